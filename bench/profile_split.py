#!/usr/bin/env python3
"""Sums bench/cpu.sh's async-profiler output (ASYNC_PROFILER=...) by where each sample's top frame is.

    bench/profile_split.py [INTERVAL_US] profile-jetty-http.collapsed profile-jetty-fcgi.collapsed ...

Prints a Markdown table, one column per file, of CPU microseconds per request in each category (samples x the
sampling interval, 200 us unless given, / the requests the file's last line counts), then the same for the
cgiwire frames anywhere on the stack (inclusive), and the ten cgiwire methods with most self time in each file.
The profiler's own overhead inflates every column alike; compare the columns, not the totals with bench/cpu.sh's.
"""
import collections
import os
import sys

CATEGORIES = [
    ("kernel", lambda f: f.endswith("_[k]")),
    ("cgiwire core", lambda f: f.startswith("io/cgiwire/core/")),
    ("the demo's servlets", lambda f: f.startswith("io/cgiwire/samples/")),
    ("cgiwire adapter", lambda f: f.startswith("io/cgiwire/")),
    ("Jetty", lambda f: f.startswith("org/eclipse/jetty/")),
    ("Tomcat", lambda f: f.startswith("org/apache/")),
    ("JDK", lambda f: f.startswith(("java/", "javax/", "jdk/", "sun/", "jakarta/"))),
    ("JVM and native", lambda f: True),
]


def category(frame):
    for name, test in CATEGORIES:
        if test(frame):
            return name
    return CATEGORIES[-1][0]


def read(path):
    samples, requests = [], None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("# requests "):
            requests = int(line.split()[2])
        elif line:
            stack, n = line.rsplit(" ", 1)
            samples.append((stack.split(";"), int(n)))
    if not requests:
        sys.exit("%s: no '# requests N' line" % path)
    return samples, requests


def main(args):
    interval = 200.0
    if args and args[0].replace(".", "").isdigit():
        interval = float(args.pop(0))
    columns = []
    for path in args:
        samples, requests = read(path)
        by_cat, inclusive, own = collections.Counter(), collections.Counter(), collections.Counter()
        for frames, n in samples:
            by_cat[category(frames[-1])] += n
            inclusive["total"] += n
            if any(f.startswith("io/cgiwire/core/") for f in frames):
                inclusive["under a cgiwire core frame"] += n
            if any(f.startswith(("io/cgiwire/jetty/", "io/cgiwire/tomcat/")) for f in frames):
                inclusive["under a cgiwire adapter frame"] += n
            if frames[-1].startswith("io/cgiwire/") and not frames[-1].startswith("io/cgiwire/samples/"):
                own[frames[-1]] += n
        scale = interval / requests
        name = os.path.basename(path).replace("profile-", "").replace(".collapsed", "")
        columns.append((name, {k: v * scale for k, v in by_cat.items()},
                        {k: v * scale for k, v in inclusive.items()}, own, scale, requests))
    print("| µs per request | " + " | ".join(c[0] for c in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name, _ in CATEGORIES:
        print("| %s | %s |" % (name, " | ".join("%.2f" % c[1].get(name, 0) for c in columns)))
    for key in ("total", "under a cgiwire core frame", "under a cgiwire adapter frame"):
        print("| %s | %s |" % (key, " | ".join("%.2f" % c[2].get(key, 0) for c in columns)))
    print("| requests profiled | %s |" % " | ".join(format(c[5], ",") for c in columns))
    for name, _, _, own, scale, _ in columns:
        if own:
            print("\n%s, cgiwire methods by self time (µs per request):\n" % name)
            for frame, n in own.most_common(10):
                print("- %.3f %s" % (n * scale, frame))


if __name__ == "__main__":
    main(sys.argv[1:])
