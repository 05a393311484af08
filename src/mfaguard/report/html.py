"""The self-contained HTML report: adoption trends per organization, account and team, rollout progress,
findings. One file, no external URL (inline CSS and SVG), readable offline and printable.

``ReportData`` is built from the store (``load_report_data``) or from snapshots in memory
(``report_data_from_snapshots``); ``render_html`` is a pure function of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from mfaguard.errors import MissingExtraError
from mfaguard.model import Adoption, Finding, Severity, Snapshot, utcnow
from mfaguard.report.svg import ChartSeries, line_chart, progress_bar, sparkline_svg
from mfaguard.store.series import Series, build_series

if TYPE_CHECKING:
    from mfaguard.store import Store

__all__ = [
    "MAX_CHART_LINES",
    "MAX_FINDING_ROWS",
    "ReportData",
    "WaveProgress",
    "chart_sets",
    "load_report_data",
    "render_html",
    "report_data_from_snapshots",
    "wave_progress",
]

MAX_CHART_LINES = 10  # more lines than this is spaghetti: the chart shows the lowest, the table all
MAX_FINDING_ROWS = 1000


@dataclass(frozen=True)
class WaveProgress:
    """One rollout wave: who is in it and how far they are."""

    name: str
    teams: tuple[str, ...]
    members: int
    with_mfa: int
    enforced: int
    status: str = ""  # enforced | ready | blocked | pending (as the rollout stage says); "" = derived
    target: date | None = None

    @property
    def derived_status(self) -> str:
        if self.status:
            return self.status
        if not self.members:
            return "pending"  # nobody in scope in these teams yet
        if self.enforced >= self.members:
            return "enforced"
        return "ready" if self.with_mfa >= self.members else "blocked"


@dataclass(frozen=True)
class ReportData:
    snapshot: Snapshot | None  # the newest: findings, errors, current numbers
    org: Series | None
    accounts: tuple[Series, ...]
    teams: tuple[Series, ...]
    rollout: tuple[WaveProgress, ...] = ()
    generated_at: datetime = field(default_factory=utcnow)
    since: datetime | None = None
    store_label: str = ""


def wave_progress(snapshot: Snapshot, waves: Iterable[tuple[str, Sequence[str]]]) -> tuple[WaveProgress, ...]:
    """Progress of each (wave name, teams) from a snapshot's users in scope."""
    out = []
    for name, teams in waves:
        wanted = set(teams)
        members = [u for u in snapshot.users if u.team in wanted and u.in_scope]
        out.append(
            WaveProgress(
                name, tuple(teams), len(members), sum(u.mfa for u in members), sum(u.enforced for u in members)
            )
        )
    return tuple(out)


def report_data_from_snapshots(
    snapshots: Iterable[Snapshot], *, rollout: Sequence[WaveProgress] = (), since: datetime | None = None
) -> ReportData:
    """Trends from snapshots in memory (whole-organization ones; shards are skipped)."""
    whole = sorted((s for s in snapshots if not s.shard), key=lambda s: s.taken_at)
    if since is not None:
        whole = [s for s in whole if s.taken_at >= since]
    points = [(s.taken_at, a) for s in whole for a in s.adoption]
    return _assemble(whole[-1] if whole else None, points, rollout, since, "")


def load_report_data(
    store: Store, *, since: datetime | None = None, rollout: Sequence[WaveProgress] = ()
) -> ReportData:
    """Everything the report shows, read from a snapshot store."""
    points: list[tuple[datetime, Adoption]] = []
    for scope in ("org", "account", "team"):
        points += store.history(scope, since=since)
    return _assemble(store.latest(), points, rollout, since, store.where)


def _assemble(
    latest: Snapshot | None,
    points: list[tuple[datetime, Adoption]],
    rollout: Sequence[WaveProgress],
    since: datetime | None,
    where: str,
) -> ReportData:
    series = build_series(points)
    org = next((s for s in series if s.scope == "org"), None)
    return ReportData(
        snapshot=latest,
        org=org,
        accounts=tuple(s for s in series if s.scope == "account"),
        teams=tuple(s for s in series if s.scope == "team"),
        rollout=tuple(rollout),
        since=since,
        store_label=where,
    )


# -- rendering -------------------------------------------------------------------------------------


def _chart_series(series: Sequence[Series], failed_at: dict[str, datetime] | None = None) -> list[ChartSeries]:
    """Chart lines; the point of an account whose audit failed is left out (it had no users to count)."""
    failed_at = failed_at or {}
    return [
        ChartSeries(s.label, tuple((t, a.pct) for t, a in s.points if failed_at.get(s.key) != t)) for s in series
    ]


def _lowest(series: Sequence[Series], n: int = MAX_CHART_LINES) -> list[Series]:
    return sorted(series, key=lambda s: (s.latest.pct, s.label.casefold()))[:n]


def _row(s: Series, failed: set[str]) -> dict[str, Any]:
    latest = s.latest
    change = s.change
    return {
        "label": s.label,
        "key": s.key,
        "users": latest.users,
        "in_scope": latest.in_scope,
        "with_mfa": latest.with_mfa,
        "enforced": latest.enforced,
        "without": latest.in_scope - latest.with_mfa,
        "pct": latest.pct,
        "change": change,
        "spark": sparkline_svg(s.pcts),
        "failed": s.key in failed,
        "as_of": s.points[-1][0],  # a failed account shows the figures of its last readable audit
        "level": _level(latest.pct),
    }


def _level(pct: float) -> str:
    return "good" if pct >= 99.0 else "fair" if pct >= 80.0 else "poor"


def _findings(snapshot: Snapshot | None) -> tuple[list[Finding], dict[str, int]]:
    if snapshot is None:
        return [], {}
    ordered = sorted(snapshot.findings, key=lambda f: (f.severity.rank, f.id, f.account_id, f.principal))
    counts = Counter(f.severity.value for f in snapshot.findings)
    return ordered, {sev.value: counts.get(sev.value, 0) for sev in Severity}


def chart_sets(data: ReportData) -> list[tuple[str, str, list[ChartSeries]]]:
    """(name, title, lines) of each chart, the same for HTML and PNG."""
    snapshot = data.snapshot
    failed_at = {key: snapshot.taken_at for key in snapshot.failed_accounts} if snapshot else {}
    return [
        ("org", "Organization MFA adoption", _chart_series([data.org] if data.org else [])),
        ("accounts", "MFA adoption per account", _chart_series(_lowest(data.accounts), failed_at)),
        ("teams", "MFA adoption per team", _chart_series(_lowest(data.teams))),
    ]


def render_html(data: ReportData) -> str:
    """The report as one HTML document (UTF-8 text)."""
    try:
        import jinja2
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise MissingExtraError("report", "jinja2") from None
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mfaguard.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    snapshot = data.snapshot
    failed = snapshot.failed_accounts if snapshot else set()
    findings, by_severity = _findings(snapshot)
    account_names = {a.id: a.label for a in snapshot.accounts} if snapshot else {}
    charts = {
        name: line_chart(lines, title=title, chart_id=f"chart-{name}") for name, title, lines in chart_sets(data)
    }
    from markupsafe import Markup as markup  # charts are built escaped by svg.py
    template = env.get_template("report.html.j2")
    return template.render(
        data=data,
        snapshot=snapshot,
        org=data.org.latest if data.org else (snapshot.org if snapshot and snapshot.adoption else None),
        org_change=data.org.change if data.org else None,
        snapshots=len(data.org.points) if data.org else 0,
        charts={k: markup(v) for k, v in charts.items()},
        accounts=[_row(s, failed) for s in sorted(data.accounts, key=lambda s: (s.latest.pct, s.label.casefold()))],
        teams=[_row(s, failed) for s in sorted(data.teams, key=lambda s: (s.latest.pct, s.label.casefold()))],
        accounts_charted=min(len(data.accounts), MAX_CHART_LINES),
        teams_charted=min(len(data.teams), MAX_CHART_LINES),
        rollout=[
            {"wave": w, "bar": markup(progress_bar(w.enforced, w.with_mfa, w.members)), "status": w.derived_status}
            for w in data.rollout
        ],
        findings=findings[:MAX_FINDING_ROWS],
        findings_total=len(findings),
        by_severity=by_severity,
        account_names=account_names,
        # Failed accounts first; other errors (device kinds, policies, summary) left the account partly read.
        errors=sorted(snapshot.errors, key=lambda e: (e.account_id not in failed, e.account_id, e.stage))
        if snapshot else [],
        partial={e.account_id for e in snapshot.errors} - failed if snapshot else set(),
        failed=failed,
        generated_at=data.generated_at.astimezone(timezone.utc),
        level=_level,
    )
