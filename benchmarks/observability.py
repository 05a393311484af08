"""Metrics and report at organization scale: how many gauges, packets and seconds, and whether a real
StatsD receives every gauge of a burst; how long the HTML report takes to render and to load in Chromium.

Scenarios: 10, 100 and 1,000 accounts (teams = accounts / 5, at least 5; 3 open findings per account).
Servers are the real ones the tests use, started on loopback: StatsD (npm), pushgateway (Debian).

    python -m benchmarks.observability [--quick]

Writes benchmarks/results/observability.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import tempfile
import time
from pathlib import Path

from tests.observability.factory import large_snapshot
from tests.support import chromium
from tests.support.pushgateway import start_pushgateway
from tests.support.statsd import start_statsd

from mfaguard.audit.findings import CATALOG
from mfaguard.config import MetricsConfig, PrometheusConfig, StatsdConfig
from mfaguard.metrics import emit, samples
from mfaguard.metrics.statsd import format_gauges, packets
from mfaguard.report.html import render_html, report_data_from_snapshots

RESULTS = Path(__file__).parent / "results" / "observability.md"


def timed(fn, repeat: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv if argv is not None else [])
    sizes = [10, 100] if args.quick else [10, 100, 1000]
    work = Path(tempfile.mkdtemp(prefix="bench-observability-"))
    statsd = start_statsd(work / "statsd")
    gateway = start_pushgateway(work / "pushgateway")
    metric_rows, report_rows = [], []
    try:
        for n in sizes:
            snap = large_snapshot(n)
            build_s, lines = timed(lambda snap=snap: format_gauges(samples(snap, CATALOG), "bench"))
            pkts = packets(lines)  # type: ignore[arg-type]
            for protocol, port in (("udp", statsd.udp_port), ("tcp", statsd.tcp_port)):
                statsd.clear_gauges()
                cfg = MetricsConfig(statsd=StatsdConfig(port=port, prefix=f"bench{protocol}", protocol=protocol))
                t = time.perf_counter()
                warnings = emit(snap, cfg)
                send_s = time.perf_counter() - t
                time.sleep(1.0)
                got = sum(1 for k in statsd.gauges() if k.startswith(f"bench{protocol}."))
                metric_rows.append((n, protocol, len(lines), len(pkts), sum(map(len, pkts)), build_s, send_s,  # type: ignore[arg-type]
                                    got, warnings))
                print(f"{n} accounts {protocol}: {len(lines)} gauges, sent in {send_s * 1000:.1f} ms, "  # type: ignore[arg-type]
                      f"received {got}", flush=True)
            if n >= 1000:
                # The same packets in one burst, without the pacing emit() applies: what UDP loses.
                statsd.clear_gauges()
                raw = packets(format_gauges(samples(snap, CATALOG), "benchraw"))
                t = time.perf_counter()
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.connect(("127.0.0.1", statsd.udp_port))
                    for packet in raw:
                        sock.send(packet)
                send_s = time.perf_counter() - t
                time.sleep(1.0)
                got = sum(1 for k in statsd.gauges() if k.startswith("benchraw."))
                metric_rows.append((n, "udp, one burst (no pacing)", len(lines), len(raw), sum(map(len, raw)),  # type: ignore[arg-type]
                                    build_s, send_s, got, []))
            gateway.wipe()
            cfg = MetricsConfig(prometheus=PrometheusConfig(pushgateway=gateway.url,
                                                            textfile=str(work / "mfaguard.prom")))
            push_s, _ = timed(lambda snap=snap, cfg=cfg: emit(snap, cfg))
            series = len(gateway.samples())
            metric_rows.append((n, "pushgateway+textfile", series, 0, (work / "mfaguard.prom").stat().st_size,
                                0.0, push_s, series, []))

            history = [large_snapshot(n, day) for day in range(90)]
            render_s, html = timed(lambda history=history: render_html(report_data_from_snapshots(history)), 1)
            page = work / f"report-{n}.html"
            page.write_text(html)  # type: ignore[arg-type]
            load_s = None
            if chromium.find_chromium():
                t = time.perf_counter()
                chromium.render(page)
                load_s = time.perf_counter() - t
            report_rows.append((n, max(5, n // 5), len(history), render_s, page.stat().st_size, load_s))
            print(f"report {n} accounts x 90 audits: {render_s:.2f}s, {page.stat().st_size / 1e6:.2f} MB", flush=True)
    finally:
        statsd.stop()
        gateway.stop()

    lines_out = [
        "# Metrics and HTML report at organization scale",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; real StatsD (npm statsd 0.9.0) and pushgateway on loopback.",
        "Command: `python -m benchmarks.observability`. Teams = accounts / 5 (at least 5); 3 findings per "
        "account; every catalog finding id is sent (0 when absent). The machine was shared with other jobs "
        f"(load average {os.getloadavg()[0]:.1f} at the end of the run): times are upper bounds.",
        "",
        "## Metrics",
        "",
        "| accounts | sink | gauges / series | packets | bytes | build | send | received by the server |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, sink, gauges, pk, size, build, send, got, warnings in metric_rows:
        note = f" ({'; '.join(warnings)})" if warnings else ""
        lines_out.append(
            f"| {n:,} | {sink} | {gauges:,} | {pk or '–'} | {size:,} | "
            f"{f'{build * 1000:.1f} ms' if build else '–'} | {send * 1000:.1f} ms | {got:,}{note} |"
        )
    lines_out += [
        "",
        "## HTML report (90 audits of history)",
        "",
        "| accounts | teams | audits | render | HTML size | load in headless Chromium |",
        "|---|---|---|---|---|---|",
    ]
    for n, teams, audits, render_s, size, load_s in report_rows:
        load = f"{load_s:.1f} s (process start included)" if load_s is not None else "–"
        lines_out.append(f"| {n:,} | {teams} | {audits} | {render_s:.2f} s | {size / 1e6:.2f} MB | {load} |")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines_out) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
