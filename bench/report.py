#!/usr/bin/env python3
"""Turns bench/run.sh's raw measurements into latest.md (tables) and latest.svg (bar chart), and prints the tables.

    python3 bench/report.py RESULTS_DIR

Reads RESULTS_DIR/raw/measurements.tsv (one line per wrk run), raw/rows.tsv (every row, measured or why not) and
raw/run.env (settings, machine, load). Per row, route and connection count it reports the median of the runs:
req/s, p50 and p99 latency, the ratio of req/s to the nginx -> HTTP row of the same container (Jetty's for the
static and direct rows), and the spread of req/s between runs ((max - min) / median). A run with errors (socket
errors or non-2xx/3xx answers) or without a result is left out and counted.
"""
import csv
import statistics
import sys
from html import escape
from pathlib import Path

ROUTES = {
    "hello": "GET /hello",
    "bytes64k": "GET /bytes?n=65536 (64 KiB)",
    "bytes1m": "GET /bytes?n=1048576 (1 MiB)",
    "upload": "POST 1 MiB",
}
BASE = {"nginx": "jetty-http", "jetty": "jetty-http", "tomcat": "tomcat-http"}
COLOURS = {"nginx": "#8c8c8c", "jetty": "#3b6ea8", "tomcat": "#d17a22"}
CGIWIRE_COLOURS = {"jetty": "#173f6e", "tomcat": "#8a4608"}


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def read_env(path):
    env = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
    return env


def aggregate(measurements):
    """{(row, route, connections): cell} with the medians of the runs."""
    runs = {}
    for m in measurements:
        runs.setdefault((m["row"], m["route"], int(m["connections"])), []).append(m)
    cells = {}
    for key, ms in runs.items():
        # A run with errors (socket errors, or answers that were not 2xx/3xx) measured something else: left out.
        ok = [m for m in ms if int(m["errors"]) == 0 and int(m["duration_us"]) > 0]
        rps = [int(m["requests"]) / (int(m["duration_us"]) / 1e6) for m in ok]
        cells[key] = {
            "runs": len(ms),
            "failed_runs": len(ms) - len(ok),
            "rps": statistics.median(rps) if rps else None,
            "spread": (max(rps) - min(rps)) / statistics.median(rps) if len(rps) > 1 else None,
            "p50_ms": statistics.median(int(m["p50_us"]) for m in ok) / 1000 if ok else None,
            "p99_ms": statistics.median(int(m["p99_us"]) for m in ok) / 1000 if ok else None,
            "errors": sum(max(0, int(m["errors"])) for m in ms),
        }
    return cells


def ratio(cells, rows_by_id, row, route, conns):
    cell = cells.get((row, route, conns))
    base = cells.get((BASE[rows_by_id[row]["container"]], route, conns))
    if not cell or not base or not cell["rps"] or not base["rps"]:
        return None
    return cell["rps"] / base["rps"]


def fmt(value, pattern, missing="—"):
    return missing if value is None else pattern.format(value)


def markdown(cells, rows, env, routes, conn_counts):
    rows_by_id = {r["row"]: r for r in rows}
    measured = [r for r in rows if r["status"] == "measured"]
    out = ["# cgiwire benchmark", ""]
    out.append(f"Run of {env.get('started', '?')} at commit {env.get('commit', '?')}, by `bench/run.sh`.")
    out.append("")
    for key, title in [("settings", "Settings"), ("machine", "Machine"), ("software", "Software"),
                       ("load", "Machine load")]:
        if key in env:
            out.append(f"- {title}: {env[key]}")
    out.append("")
    out.append("req/s is the median of the runs; p50 and p99 are wrk's latency percentiles (median of the runs); "
               "**×** is req/s divided by the same route's *nginx → HTTP* row of the same container (Jetty's for "
               "the static and direct rows); spread is (max − min) / median of the runs' req/s; a run with "
               "errors is left out of the figures and counted in the errors column. "
               "Only ratios within one run mean anything: the machine is shared.")
    out.append("")
    for conns in conn_counts:
        out.append(f"## Summary: × nginx → HTTP of the same container, {conns} connections")
        out.append("")
        out.append("| row | " + " | ".join(ROUTES[r] for r in routes) + " |")
        out.append("|---|" + "---:|" * len(routes))
        for r in measured:
            out.append(f"| {r['label']} | "
                       + " | ".join(fmt(ratio(cells, rows_by_id, r["row"], route, conns), "{:.2f}×")
                                    for route in routes) + " |")
        out.append("")
        out.append(f"## At a glance: req/s (p50 / p99 ms), {conns} connections")
        out.append("")
        out.append("| row | " + " | ".join(ROUTES[r] for r in routes) + " |")
        out.append("|---|" + "---:|" * len(routes))
        for r in measured:
            glance = []
            for route in routes:
                cell = cells.get((r["row"], route, conns))
                if not cell or cell["rps"] is None:
                    glance.append("—")
                else:
                    glance.append(f"{cell['rps']:,.0f} ({cell['p50_ms']:.2f} / {cell['p99_ms']:.0f})")
            out.append(f"| {r['label']} | " + " | ".join(glance) + " |")
        out.append("")
        for route in routes:
            out.append(f"## {ROUTES[route]}, {conns} connections")
            out.append("")
            out.append("| row | req/s | p50 ms | p99 ms | × nginx→HTTP | spread | errors |")
            out.append("|---|---:|---:|---:|---:|---:|---:|")
            for r in measured:
                cell = cells.get((r["row"], route, conns))
                if not cell:
                    continue
                errors = str(cell["errors"])
                if cell["failed_runs"]:
                    errors += f" ({cell['failed_runs']} of {cell['runs']} runs left out)"
                out.append(f"| {r['label']} | {fmt(cell['rps'], '{:,.0f}')} | {fmt(cell['p50_ms'], '{:.2f}')} | "
                           f"{fmt(cell['p99_ms'], '{:.2f}')} | "
                           f"{fmt(ratio(cells, rows_by_id, r['row'], route, conns), '{:.2f}×')} | "
                           f"{fmt(cell['spread'], '{:.0%}')} | {errors} |")
            out.append("")
    noted = [r for r in measured if r["note"]]
    if noted:
        out.append("## Notes")
        out.append("")
        for r in noted:
            out.append(f"- {r['label']}: {r['note']}")
        out.append("")
    skipped = [r for r in rows if r["status"] != "measured" and r["status"] != "not selected"]
    if skipped:
        out.append("## Rows not measured")
        out.append("")
        for r in skipped:
            out.append(f"- {r['label']}: **{r['status']}**" + (f" ({r['note']})" if r["note"] else ""))
        out.append("")
    out.append("Raw wrk outputs, the generated nginx and httpd configs and the servers' logs: `raw/`.")
    out.append("")
    return "\n".join(out)


def svg(cells, rows, env, routes, conn_counts):
    rows_by_id = {r["row"]: r for r in rows}
    shown = [r for r in rows if r["status"] != "not selected"]
    width, label_w, bar_w, bar_h, gap = 1100, 470, 440, 18, 5
    panel_h = 34 + len(shown) * (bar_h + gap)
    panels = [(conns, route) for conns in conn_counts for route in routes]
    height = 80 + len(panels) * (panel_h + 16) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="12" y="24" font-size="16" font-weight="bold">cgiwire benchmark: requests per second '
             f'(median of runs); × = ratio to nginx → HTTP of the same container</text>',
             f'<text x="12" y="42" font-size="11" fill="#555">{escape(env.get("started", ""))}, commit '
             f'{escape(env.get("commit", ""))}; {escape(env.get("machine", ""))}</text>',
             f'<text x="12" y="56" font-size="11" fill="#555">{escape(env.get("settings", ""))}</text>',
             f'<text x="12" y="70" font-size="11" fill="#555">{escape(env.get("load", ""))}</text>']
    y = 80
    for conns, route in panels:
        values = [cells.get((r["row"], route, conns), {}).get("rps") for r in shown]
        top = max([v for v in values if v] or [1])
        parts.append(f'<text x="12" y="{y + 20}" font-size="14" font-weight="bold">'
                     f'{escape(ROUTES[route])}, {conns} connections</text>')
        yy = y + 32
        for r, value in zip(shown, values):
            container = r["container"]
            cgiwire = "cgiwire" in r["label"]
            colour = CGIWIRE_COLOURS.get(container) if cgiwire else COLOURS.get(container, "#888")
            weight = ' font-weight="bold"' if cgiwire else ""
            parts.append(f'<text x="{label_w - 8}" y="{yy + bar_h - 5}" text-anchor="end"{weight}>'
                         f'{escape(r["label"])}</text>')
            if value:
                w = max(1.0, bar_w * value / top)
                x_ratio = ratio(cells, rows_by_id, r["row"], route, conns)
                text = f"{value:,.0f}" + (f"  ({x_ratio:.2f}×)" if x_ratio is not None else "")
                parts.append(f'<rect x="{label_w}" y="{yy}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
                parts.append(f'<text x="{label_w + w + 6:.1f}" y="{yy + bar_h - 5}">{escape(text)}</text>')
            else:
                why = r["status"] if r["status"] != "measured" else "no result"
                parts.append(f'<text x="{label_w + 6}" y="{yy + bar_h - 5}" fill="#a00">{escape(why)}</text>')
            yy += bar_h + gap
        y += panel_h + 16
    legend = [("nginx static", COLOURS["nginx"]), ("Jetty baselines", COLOURS["jetty"]),
              ("cgiwire on Jetty", CGIWIRE_COLOURS["jetty"]), ("Tomcat baselines", COLOURS["tomcat"]),
              ("cgiwire on Tomcat", CGIWIRE_COLOURS["tomcat"])]
    x = 12
    for name, colour in legend:
        parts.append(f'<rect x="{x}" y="{y + 4}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 14}">{escape(name)}</text>')
        x += 24 + 7 * len(name) + 20
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    results = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results")
    raw = results / "raw"
    measurements = read_tsv(raw / "measurements.tsv")
    rows = read_tsv(raw / "rows.tsv")
    env = read_env(raw / "run.env")
    routes = [r for r in ROUTES if any(m["route"] == r for m in measurements)]
    conn_counts = sorted({int(m["connections"]) for m in measurements})
    cells = aggregate(measurements)
    md = markdown(cells, rows, env, routes, conn_counts)
    (results / "latest.md").write_text(md)
    (results / "latest.svg").write_text(svg(cells, rows, env, routes, conn_counts))
    print(md)


if __name__ == "__main__":
    main()
