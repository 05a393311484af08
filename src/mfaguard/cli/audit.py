"""`mfaguard audit`: collect, evaluate, store, emit, report."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import click

from mfaguard.cli._audit_output import emit_metrics, exit_code, format_options, output_snapshot, save_snapshot
from mfaguard.config import Config, MetricsConfig, PrometheusConfig, StatsdConfig, load_config
from mfaguard.errors import EXIT_PARTIAL, InputError

__all__ = ["audit"]


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _metrics_overrides(metrics: MetricsConfig, statsd: str | None, pushgateway: str | None,
                       textfile: str | None) -> MetricsConfig:
    update: dict[str, Any] = {}
    if statsd:
        host, _, port = statsd.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise InputError(f"bad --statsd '{statsd}'", field="--statsd", hint="use HOST:PORT, e.g. 127.0.0.1:8125")
        base = metrics.statsd or StatsdConfig()
        update["statsd"] = base.model_copy(update={"host": host, "port": int(port)})
    if pushgateway or textfile:
        base_p = metrics.prometheus or PrometheusConfig()
        update["prometheus"] = base_p.model_copy(update={k: v for k, v in
                                                         (("pushgateway", pushgateway), ("textfile", textfile)) if v})
    return metrics.model_copy(update=update)


def _store_url(flag: str | None, config: Config) -> str | None:
    from mfaguard.store import resolve_store_url

    return resolve_store_url(flag, config.store.url)


def _progress() -> Any:
    """A progress bar on a terminal; nothing when stderr is a pipe or a file."""
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task("", total=None)

    def update(event: str, account: Any, total: int) -> None:
        if event == "start":
            bar.update(task, total=total)
        else:
            bar.update(task, advance=1, description=account.label if account else "")

    return bar, update


def run_and_report(
    config: Config, *, only: list[str], shard: str | None, fmt: str, output: str | None, csv_table: str,
    top: int, store_url: str | None, no_store: bool, fail_under: float | None,
) -> int:
    from mfaguard.audit import run_audit

    bar, update = _progress()
    if bar is not None:
        with bar:
            result = run_audit(config, only=only, shard=shard, progress=update)
    else:
        result = run_audit(config, only=only, shard=shard)
    snapshot = result.snapshot
    output_snapshot(snapshot, fmt, output, csv_table, top)
    if not no_store:
        where = save_snapshot(snapshot, _store_url(store_url, config))
        click.echo(f"stored snapshot {snapshot.id} in {where}", err=True)
    for warning in emit_metrics(snapshot, config.metrics):
        click.echo(f"warning: {warning}", err=True)
    # A shard sees part of the organization: --fail-under applies to the combined snapshot only.
    threshold = None if shard else (fail_under if fail_under is not None else config.audit.fail_under)
    code = exit_code(snapshot, threshold)
    if code == EXIT_PARTIAL:
        failed = sorted(snapshot.failed_accounts)
        click.echo(f"partial audit: {len(failed)} account(s) failed: {', '.join(failed)} "
                   "(see the collection errors; the others were stored)", err=True)
    elif code:
        click.echo(f"org adoption {snapshot.org.pct:.1f}% is under --fail-under {threshold}", err=True)
    return code


@click.command()
@click.option("-a", "--accounts", "accounts", multiple=True, metavar="IDS",
              help="Only these accounts (ids or names, comma-separated or repeated).")
@format_options
@click.option("--store", "store_url", metavar="URL", help="SQLite path or postgresql:// URL (default: config, "
              "then the user data dir).")
@click.option("--no-store", is_flag=True, help="Do not store the snapshot.")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PCT",
              help="Exit 4 when org adoption is under PCT.")
@click.option("--concurrency", type=click.IntRange(1, 256), help="Accounts audited at once (default 8).")
@click.option("--no-device-kinds", is_flag=True, help="Skip ListMFADevices (device kinds unknown, fewer calls).")
@click.option("--reuse-report", type=click.IntRange(0, 240), metavar="MINUTES",
              help="Reuse a credential report younger than MINUTES.")
@click.option("--shard", metavar="i/N", help="Audit only shard i of N (stable assignment by account id).")
@click.option("--combine", "combine", type=click.IntRange(1), metavar="N",
              help="Do not audit: combine the latest snapshot of each of N shards into one org snapshot.")
@click.option("--shard-window", type=click.IntRange(1), default=180, show_default=True, metavar="MINUTES",
              help="With --combine: every shard must be at most this much older than the newest one.")
@click.option("--statsd", metavar="HOST:PORT", help="Send StatsD gauges there.")
@click.option("--pushgateway", metavar="URL", help="Push Prometheus metrics to this pushgateway.")
@click.option("--prom-textfile", metavar="PATH", help="Write a node-exporter textfile.")
@click.option("--endpoint-url", metavar="URL", help="AWS endpoint override (an emulator).")
@click.pass_context
def audit(ctx: click.Context, accounts: tuple[str, ...], fmt: str, csv_table: str, output: str | None, top: int,
          store_url: str | None, no_store: bool, fail_under: float | None, concurrency: int | None,
          no_device_kinds: bool, reuse_report: int | None, shard: str | None, combine: int | None,
          shard_window: int, statsd: str | None, pushgateway: str | None, prom_textfile: str | None,
          endpoint_url: str | None) -> int:
    """Audit MFA adoption across the accounts of an organization.

    Accounts come from mfaguard.toml ([accounts]: the caller's own account, an explicit list, or AWS
    Organizations); credentials from the standard AWS chain. Exit codes: 0 ok, 1 error, 2 usage,
    3 partial (some accounts failed; the rest is stored), 4 --fail-under not met.
    """
    config = load_config(ctx.obj.get("config_path"))
    audit_update: dict[str, Any] = {}
    if concurrency:
        audit_update["concurrency"] = concurrency
    if no_device_kinds:
        audit_update["device_kinds"] = False
    if reuse_report is not None:
        audit_update["reuse_report_minutes"] = reuse_report
    update: dict[str, Any] = {
        "audit": config.audit.model_copy(update=audit_update),
        "metrics": _metrics_overrides(config.metrics, statsd, pushgateway, prom_textfile),
    }
    if endpoint_url:
        update["aws"] = config.aws.model_copy(update={"endpoint_url": endpoint_url})
    config = config.model_copy(update=update)
    if combine:
        return _combine(config, combine, shard_window, fmt, output, csv_table, top, store_url, fail_under)
    return run_and_report(config, only=_split(accounts), shard=shard, fmt=fmt, output=output, csv_table=csv_table,
                          top=top, store_url=store_url, no_store=no_store, fail_under=fail_under)


def _combine(config: Config, total: int, window_minutes: int, fmt: str, output: str | None, csv_table: str,
             top: int, store_url: str | None, fail_under: float | None) -> int:
    from mfaguard.audit.evaluate import combine_snapshots
    from mfaguard.store import open_store

    with open_store(_store_url(store_url, config)) as store:
        parts = []
        for index in range(total):
            part = store.latest(shard=f"{index}/{total}")
            if part is None:
                raise InputError(f"no stored snapshot for shard {index}/{total}", field="--combine",
                                 hint="run every shard (mfaguard audit --shard i/N) into the same store first")
            parts.append(part)
        newest = max(p.taken_at for p in parts)
        stale = [p for p in parts if newest - p.taken_at > timedelta(minutes=window_minutes)]
        if stale:
            names = ", ".join(f"{p.shard} ({p.taken_at:%Y-%m-%d %H:%M} UTC)" for p in stale)
            raise InputError(f"shard snapshots from an earlier run: {names}", field="--combine",
                             hint=f"re-run those shards, or widen --shard-window (now {window_minutes} minutes)")
        snapshot = combine_snapshots(parts)
        store.save(snapshot)
    output_snapshot(snapshot, fmt, output, csv_table, top)
    for warning in emit_metrics(snapshot, config.metrics):
        click.echo(f"warning: {warning}", err=True)
    return exit_code(snapshot, fail_under if fail_under is not None else config.audit.fail_under)
