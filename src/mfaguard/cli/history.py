"""`mfaguard history`: adoption over time per organization, account or team, from the snapshot store."""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import click

from mfaguard.errors import MfaguardError

__all__ = ["SinceType", "history"]

_AGE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_AGE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class SinceType(click.ParamType):
    """A date (2026-01-31), an ISO timestamp, or an age such as 12h, 30d or 8w."""

    name = "DATE|AGE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value)
        match = _AGE.match(text)
        if match:
            amount, unit = int(match.group(1)), match.group(2).lower()
            return datetime.now(timezone.utc) - timedelta(**{_AGE_UNITS[unit]: amount})
        try:
            parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"'{text}' is neither a date (2026-01-31) nor an age (12h, 30d, 8w)", param, ctx)
        return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed


@click.command("history")
@click.option(
    "--store",
    "store_url",
    metavar="PATH|URL",
    help="Snapshot store: a SQLite path or postgresql://USER:PASSWORD@HOST:PORT/DB. "
    "Default: $MFAGUARD_STORE, then [store] url in mfaguard.toml, then the user's data dir.",
)
@click.option(
    "--scope",
    type=click.Choice(["org", "account", "team"]),
    default="org",
    show_default=True,
    help="Whole organization, one series per account, or one per team.",
)
@click.option("--key", help="Only this account (id or name) or team.")
@click.option("--since", type=SinceType(), help="Only snapshots taken since a date (2026-01-31) or an age (30d).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table for people; json and csv follow the schema in docs/store.md.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Only the newest N snapshots (0: all).",
)
@click.pass_context
def history(
    ctx: click.Context,
    store_url: str | None,
    scope: str,
    key: str | None,
    since: datetime | None,
    fmt: str,
    limit: int,
) -> None:
    """Show MFA adoption over time per organization, account or team.

    Reads the snapshots that `mfaguard audit` stored. Examples:

      mfaguard history --scope team --since 90d

      mfaguard history --scope account --key prod --format csv > prod.csv
    """
    from mfaguard.config import load_config
    from mfaguard.store import open_store, resolve_store_url
    from mfaguard.store.series import build_series

    config = load_config((ctx.obj or {}).get("config_path"))
    with open_store(resolve_store_url(store_url, config.store.url)) as store:
        points = store.history(scope, since=since, limit=limit or None)
        where = store.where
    series = build_series(points)
    if key is not None:
        series = _select(series, key, scope)
    if fmt == "json":
        _write_json(series, scope, since)
    elif fmt == "csv":
        _write_csv(series)
    elif not series:
        click.echo(f"no snapshots in the store at {where}" + (" in that period" if since else "")
                   + "; run `mfaguard audit` to take one", err=True)
    else:
        _print_tables(series, scope)


def _select(series: list[Any], key: str, scope: str) -> list[Any]:
    """Match a key exactly, else an account name or label case-insensitively."""
    exact = [s for s in series if s.key == key]
    if exact:
        return exact
    wanted = key.casefold()
    loose = [s for s in series if s.label.casefold() == wanted or s.label.casefold().startswith(wanted + " (")]
    if loose or not series:
        return loose
    known = ", ".join(sorted(s.key if scope != "team" else s.label for s in series)[:20])
    raise MfaguardError(f"no {scope} '{key}' in the stored history", hint=f"known {scope} keys: {known}")


def _write_json(series: list[Any], scope: str, since: datetime | None) -> None:
    from mfaguard.store.series import history_document

    click.echo(json.dumps(history_document(series, scope, since), indent=2))


def _write_csv(series: list[Any]) -> None:
    from mfaguard.store.series import CSV_FIELDS, csv_rows

    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(series))


def _fmt_change(change: float | None) -> str:
    if change is None:
        return "[dim]–[/dim]"
    if change > 0:
        return f"[green]+{change:.1f}[/green]"
    if change < 0:
        return f"[red]{change:.1f}[/red]"
    return "0.0"


def _print_tables(series: list[Any], scope: str) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from mfaguard.store.series import sparkline

    console = Console(file=sys.stdout)
    times = sorted({t for s in series for t, _ in s.points})
    span = f"{times[0]:%Y-%m-%d} to {times[-1]:%Y-%m-%d}" if len(times) > 1 else f"{times[0]:%Y-%m-%d %H:%M} UTC"
    title = {"org": "organization", "account": "account", "team": "team"}[scope]
    # A light box keeps the table within 80 columns when the output is not a terminal.
    table = Table(
        title=f"MFA adoption by {title}, {len(times)} snapshot(s), {span}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column(title.capitalize(), min_width=12)
    for name in ("In scope", "MFA", "Enforced", "Adoption", "Change"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("Trend", no_wrap=True)
    for s in series:
        latest = s.latest
        table.add_row(
            s.label,
            str(latest.in_scope),
            str(latest.with_mfa),
            str(latest.enforced),
            f"{latest.pct:.1f}%",
            _fmt_change(s.change),
            sparkline(s.pcts, width=30),
        )
    console.print(table)
    if len(series) == 1 and len(series[0].points) > 1:
        detail = Table(title=f"{series[0].label}: each snapshot", title_justify="left", box=box.SIMPLE_HEAD)
        for name in ("Taken at (UTC)", "In scope", "With MFA", "Enforced", "Adoption", "Change"):
            detail.add_column(name, justify="left" if name.startswith("Taken") else "right")
        for taken_at, adoption, change in series[0].steps():
            detail.add_row(
                f"{taken_at.astimezone(timezone.utc):%Y-%m-%d %H:%M}",
                str(adoption.in_scope),
                str(adoption.with_mfa),
                str(adoption.enforced),
                f"{adoption.pct:.1f}%",
                _fmt_change(change),
            )
        console.print(detail)
