"""`mfaguard report`: a self-contained HTML report (and PNG charts) from the snapshot store."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from mfaguard.cli.history import SinceType
from mfaguard.errors import InputError

__all__ = ["report"]


@click.command("report")
@click.option(
    "--html", "html_path", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the HTML report here ('-' for standard output).",
)
@click.option(
    "--png", "png_dir", metavar="DIR", type=click.Path(file_okay=False),
    help="Also export the trend charts as PNG files into this folder.",
)
@click.option(
    "--store", "store_url", metavar="PATH|URL",
    help="Snapshot store: a SQLite path or postgresql://... Default: $MFAGUARD_STORE, then [store] url in "
    "mfaguard.toml, then the user's data dir.",
)
@click.option("--since", type=SinceType(), help="Trends since a date (2026-01-31) or an age (30d, 12w).")
@click.option(
    "-r", "--roster", "roster_path", metavar="FILE", type=click.Path(dir_okay=False),
    help="Show the rollout's waves from this roster (default: [roster] path in mfaguard.toml when it exists).",
)
@click.pass_context
def report(
    ctx: click.Context, html_path: str | None, png_dir: str | None, store_url: str | None, since: datetime | None,
    roster_path: str | None,
) -> int:
    """Write an HTML report of MFA adoption: trends per account and team, findings, rollout progress.

    The HTML file is self-contained (inline CSS and SVG, no external URL): mail it, attach it to a
    ticket, or open it offline. Examples:

    \b
      mfaguard report --html mfa.html --since 90d
      mfaguard report --html mfa.html --png charts/ --store postgresql://mfaguard@db/mfaguard
    """
    if not html_path and not png_dir:
        raise click.UsageError("nothing to write: give --html FILE and/or --png DIR")
    from mfaguard.config import load_config
    from mfaguard.report.html import load_report_data, render_html
    from mfaguard.store import open_store, resolve_store_url

    config_path = (ctx.obj or {}).get("config_path")
    config = load_config(config_path)
    with open_store(resolve_store_url(store_url, config.store.url)) as store:
        rollout = _rollout_progress(config_path, roster_path, store.latest())
        data = load_report_data(store, since=since, rollout=rollout)
    if data.snapshot is None:
        click.echo(f"warning: no audit in the store at {data.store_label}; run `mfaguard audit` first", err=True)
    if html_path:
        text = render_html(data)
        if html_path == "-":
            sys.stdout.write(text)
        else:
            _write(Path(html_path), text)
            click.echo(f"wrote {html_path}", err=True)
    if png_dir:
        from mfaguard.report.png import write_pngs

        for path in write_pngs(data, png_dir):
            click.echo(f"wrote {path}", err=True)
    return 0


def _rollout_progress(config_path: str | None, roster_path: str | None, snapshot: Any) -> list[Any]:
    """Each wave of the roster with its readiness from the latest snapshot; none without a roster."""
    from mfaguard.config import load_config
    from mfaguard.report.html import WaveProgress
    from mfaguard.roster.settings import roster_settings

    if roster_path is None:
        config = load_config(config_path)
        default = Path(roster_settings(config.extra, config.source_path or "mfaguard.toml").path)
        if not default.is_file():
            return []
        roster_path = str(default)
    from mfaguard.rollout import assess_waves, parse_waves
    from mfaguard.roster import load_roster

    loaded = load_roster(Path(roster_path))
    waves = parse_waves(loaded)
    out = []
    for wave, ready in zip(waves, assess_waves(loaded.roster, waves, snapshot), strict=True):
        people = [p for p in ready.people if p.enforcement != "exempt"]
        out.append(WaveProgress(
            name=wave.name, teams=wave.teams, members=len(people),
            with_mfa=sum(1 for p in people if p.mfa_complete),
            enforced=sum(1 for p in people if p.enforcement == "enforced"),
            status="pending" if ready.status == "empty" else ready.status, target=wave.target_date,
        ))
    return out


def _write(path: Path, text: str) -> None:
    from mfaguard.fileio import write_text_atomic

    try:
        # Write then rename: a reader (a web server, a cron mailer) never sees half a report.
        write_text_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror}", path=str(path), hint="check the folder") from None
