#!/usr/bin/env python3
"""Writes bench/jmh.sh's Markdown table from JMH's JSON result.

    python3 bench/jmh_report.py JMH_JSON RUN_ENV OUTPUT_MD

One line per benchmark and parameter: its score in its own unit (throughput, or time per operation for
RequestViewBenchmark) with JMH's 99.9% error, and the bytes allocated per operation (gc.alloc.rate.norm, from
-prof gc). Then the ratios the suite was written for: each benchmark against its baseline measured in the same run,
which is what stays meaningful on a shared machine.
"""
import json
import sys
from pathlib import Path

# benchmark -> (baseline, what the ratio says)
PAIRS = {
    "FcgiBenchmark.stdinFraming": ("FcgiBenchmark.baselineCopyBody",
                                   "1 MiB bodies framed per second, per 1 MiB plain copy"),
    "FcgiBenchmark.paramsDecoding": ("FcgiBenchmark.baselineParamStrings",
                                     "params decoded per second, per building their Strings alone"),
    "FcgiBenchmark.stdoutFrame": ("FcgiBenchmark.stdoutCopy",
                                  "64 KiB bodies framed for a gathering write, per copying them into records"),
    "RequestViewBenchmark.fcgiJetty": ("RequestViewBenchmark.httpJetty",
                                       "time per FastCGI request to Jetty's MetaData.Request, per Jetty's HttpParser "
                                       "on the same request"),
    "RequestViewBenchmark.fcgiTomcat": ("RequestViewBenchmark.httpTomcat",
                                        "time per FastCGI request to Tomcat's coyote Request, per Tomcat's "
                                        "Http11InputBuffer on the same request"),
}


def short(name):
    parts = name.split(".")
    return ".".join(parts[-2:])


def human(ops):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if ops >= scale:
            return f"{ops / scale:.3g} {unit}"
    return f"{ops:.3g} "


def main():
    results = json.loads(Path(sys.argv[1]).read_text())
    env = {}
    for line in Path(sys.argv[2]).read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    rows = {}
    out = ["# connector-core JMH suite", "",
           f"Run of {env.get('started', '?')} at commit {env.get('commit', '?')}, by `bench/jmh.sh`.", ""]
    for key, title in [("settings", "Settings"), ("machine", "Machine"), ("load", "Machine load")]:
        if key in env:
            out.append(f"- {title}: {env[key]}")
    out += ["", "± is JMH's 99.9% confidence half-width: where it comes near the score, the machine was busy and only the "
            "ratios to the baselines below (measured in the same minutes) say much. B allocated / op is "
            "gc.alloc.rate.norm from -prof gc.", ""]
    out += ["| benchmark | params | score | ± (99.9%) | unit | B allocated / op |", "|---|---|---:|---:|---|---:|"]
    for r in results:
        name = short(r["benchmark"])
        params = ", ".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items()))
        score = r["primaryMetric"]["score"]
        error = r["primaryMetric"]["scoreError"]
        alloc = next((m["score"] for k, m in r.get("secondaryMetrics", {}).items()
                      if k.endswith("gc.alloc.rate.norm")), None)
        rows[(name, params)] = (score, alloc)
        error_text = "—" if error != error else f"{human(error)}"  # NaN with a single iteration
        alloc_text = "—" if alloc is None else f"{alloc:,.0f}"
        unit = r["primaryMetric"].get("scoreUnit", "ops/s")
        out.append(f"| `{name}` | {params or '—'} | {human(score)} | {error_text} | {unit} | {alloc_text} |")
    ratio_lines = []
    for (name, params), (score, alloc) in rows.items():
        if name not in PAIRS:
            continue
        base_name, meaning = PAIRS[name]
        base = rows.get((base_name, params))
        if not base or not base[0]:
            continue
        # A baseline that allocates next to nothing (JMH's own few bytes) gives no meaningful allocation ratio.
        alloc_ratio = ("" if alloc is None or not base[1] or base[1] < 256
                       else f"; allocates {alloc / base[1]:.2f}× what the baseline does")
        ratio_lines.append(f"- `{name}` ({params}): **{score / base[0]:.2f}×** `{base_name.split('.')[-1]}`: "
                           f"{meaning}{alloc_ratio}")
    if ratio_lines:
        out += ["", "Ratios to the baselines of the same run:", ""] + ratio_lines
    out.append("")
    Path(sys.argv[3]).write_text("\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
