"""The terminal report: adoption per account and team, top findings, failed accounts (rich)."""

from __future__ import annotations

from collections import Counter

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from mfaguard.audit.findings import CATALOG
from mfaguard.model import Adoption, Snapshot

__all__ = ["print_snapshot", "snapshot_renderable"]

_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _pct(a: Adoption) -> Text:
    style = "green" if a.pct >= 90 else "yellow" if a.pct >= 60 else "red"
    return Text(f"{a.pct:5.1f}%", style=style)


def _adoption_table(title: str, first: str, rows: list[Adoption], org: Adoption | None) -> Table:
    table = Table(title=title, title_justify="left", show_footer=org is not None)
    table.add_column(first, footer="organization" if org else "", overflow="fold")
    # Numbers never wrap; the name column gives way on a narrow terminal.
    for name, attr in (("users", "users"), ("in\nscope", "in_scope"), ("with\nMFA", "with_mfa"),
                       ("en-\nforced", "enforced"), ("console\nno MFA", "console_without_mfa"),
                       ("keys\nno MFA", "keys_without_mfa")):
        table.add_column(name, justify="right", no_wrap=True, footer=str(getattr(org, attr)) if org else "")
    table.add_column("adoption", justify="right", no_wrap=True, footer=_pct(org) if org else "")
    for a in rows:
        table.add_row(a.label if a.scope == "team" else f"{a.label} ({a.key})", str(a.users), str(a.in_scope),
                      str(a.with_mfa), str(a.enforced), str(a.console_without_mfa), str(a.keys_without_mfa), _pct(a))
    return table


def snapshot_renderable(snapshot: Snapshot, top: int = 10) -> Group:
    org = snapshot.org
    parts: list[object] = [
        _adoption_table("MFA adoption per account", "account", snapshot.adoption_for("account"), org),
        _adoption_table("MFA adoption per team", "team", snapshot.adoption_for("team"), None),
    ]
    counts = Counter(f.id for f in snapshot.findings)
    if counts:
        summary = Table(title="Findings", title_justify="left")
        for col in ("id", "severity", "finding", "count"):
            summary.add_column(col, justify="right" if col == "count" else "left")
        for fid in sorted(counts, key=lambda i: (CATALOG[i].severity.rank, i)):
            sev = CATALOG[fid].severity.value
            summary.add_row(fid, Text(sev, style=_SEVERITY_STYLE[sev]), CATALOG[fid].title, str(counts[fid]))
        parts.append(summary)
        worst = Table(title=f"Top {min(top, len(snapshot.findings))} findings", title_justify="left")
        names = {a.id: a.name or a.id for a in snapshot.accounts}
        worst.add_column("severity", no_wrap=True)
        worst.add_column("id", no_wrap=True)
        worst.add_column("account")
        worst.add_column("detail", ratio=1)
        for f in snapshot.findings[:top]:
            worst.add_row(Text(f.severity.value, style=_SEVERITY_STYLE[f.severity.value]), f.id,
                          names.get(f.account_id, f.account_id), f.message)
        parts.append(worst)
    if snapshot.errors:
        errors = Table(title="Collection errors", title_justify="left", style="red")
        for col in ("account", "stage", "code", "message"):
            errors.add_column(col)
        for e in snapshot.errors:
            errors.add_row(e.account_id, e.stage, e.code, e.message)
        parts.append(errors)
    failed = len(snapshot.failed_accounts)
    parts.append(Text(
        f"Snapshot {snapshot.id}: {len(snapshot.accounts) - failed}/{len(snapshot.accounts)} accounts, "
        f"{org.users} users, org adoption {org.pct:.1f}%, {len(snapshot.findings)} findings, "
        f"{snapshot.api_calls} API calls in {snapshot.duration_s:.1f}s"
    ))
    return Group(*parts)  # type: ignore[arg-type]


def print_snapshot(snapshot: Snapshot, console: Console | None = None, top: int = 10) -> None:
    (console or Console()).print(snapshot_renderable(snapshot, top))
