"""What `audit` and `demo` share after a snapshot exists: output, storing, metrics, exit code."""

from __future__ import annotations

import logging
import sys

import click

from mfaguard.config import MetricsConfig
from mfaguard.errors import EXIT_FAIL_UNDER, EXIT_OK, EXIT_PARTIAL, InputError
from mfaguard.model import Snapshot

__all__ = ["emit_metrics", "exit_code", "format_options", "output_snapshot", "save_snapshot"]

log = logging.getLogger(__name__)


def format_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed([
        click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                     show_default=True, help="Output format (JSON/CSV schema: docs/audit.md)."),
        click.option("--csv-table", type=click.Choice(["users", "adoption", "findings"]), default="users",
                     show_default=True, help="Which table --format csv writes."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
                     help="Write the output to FILE (atomically) instead of stdout."),
        click.option("--top", type=click.IntRange(0), default=10, show_default=True,
                     help="How many findings the table shows."),
    ]):
        func = option(func)
    return func


def _write_atomic(path: str, text: str) -> None:
    from mfaguard.fileio import write_text_atomic

    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", path=path, field="--output",
                         hint="check the folder exists and is writable") from None


def output_snapshot(snapshot: Snapshot, fmt: str, output: str | None, csv_table: str, top: int) -> None:
    if fmt == "table":
        from rich.console import Console

        from mfaguard.report.table import print_snapshot

        if output:
            import io

            buffer = io.StringIO()
            print_snapshot(snapshot, Console(file=buffer, width=160), top)
            _write_atomic(output, buffer.getvalue())
        else:
            print_snapshot(snapshot, top=top)
        return
    from mfaguard.report.tabular import to_csv, to_json

    text = to_json(snapshot) if fmt == "json" else to_csv(snapshot, csv_table)
    if output:
        _write_atomic(output, text)
    else:
        sys.stdout.write(text)


def save_snapshot(snapshot: Snapshot, url: str | None) -> str:
    """Store the snapshot; returns where. Raises StoreError with a hint when the store is unusable."""
    from mfaguard.store import open_store

    with open_store(url) as store:
        store.save(snapshot)
        return str(getattr(store, "display_url", url or "default store"))


def emit_metrics(snapshot: Snapshot, metrics: MetricsConfig) -> list[str]:
    if metrics.statsd is None and metrics.prometheus is None:
        return []
    try:
        from mfaguard.metrics import emit
    except ImportError as exc:  # pragma: no cover - metrics ship with the package
        return [f"metrics not sent: {exc}"]
    return list(emit(snapshot, metrics))


def exit_code(snapshot: Snapshot, fail_under: float | None) -> int:
    if snapshot.failed_accounts:
        return EXIT_PARTIAL
    if fail_under is not None and snapshot.org.pct < fail_under:
        return EXIT_FAIL_UNDER
    return EXIT_OK
