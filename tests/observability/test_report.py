"""The HTML report: pure rendering checks, then the real page in headless Chromium, then the CLI."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mfaguard.cli import cli
from mfaguard.errors import InputError
from mfaguard.model import Account, Adoption
from mfaguard.report.html import (
    MAX_CHART_LINES,
    WaveProgress,
    render_html,
    report_data_from_snapshots,
    wave_progress,
)
from mfaguard.report.png import write_pngs
from mfaguard.report.svg import ChartSeries, line_chart
from mfaguard.store import open_store
from tests.observability.factory import T0, make_snapshot
from tests.support import chromium

WAVES = [("pilot", ["Platform"]), ("everyone", ["Data Science"])]


def _history(days: int = 6) -> list:
    # The sandbox account could be read until the last audit.
    return [make_snapshot(day=i, failed=i == days - 1) for i in range(days)]


def _report(days: int = 6, rollout: bool = True) -> str:
    snaps = _history(days)
    waves = wave_progress(snaps[-1], WAVES) if rollout else ()
    return render_html(report_data_from_snapshots(snaps, rollout=waves))


def _external_refs(html: str) -> list[str]:
    """Anything a browser would fetch from elsewhere: src/href with a scheme or //, CSS url(), @import."""
    attr = r"""(?:src|href|xlink:href|action)\s*=\s*["']?\s*((?:[a-z][a-z0-9+.-]*:|//)[^"'\s>]*)"""
    refs = re.findall(attr, html, re.I)
    refs += re.findall(r"url\(\s*([^)]*)\)", html, re.I)
    refs += re.findall(r"@import[^;]*", html, re.I)
    return refs


def test_report_is_self_contained() -> None:
    html = _report()
    assert _external_refs(html) == []
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html  # nothing to run, nothing to fail


def test_external_reference_detector_can_fail() -> None:
    assert _external_refs('<img src="https://x.example/a.png"><link href="//cdn.example/c.css">') == [
        "https://x.example/a.png", "//cdn.example/c.css",
    ]
    assert _external_refs("<style>@import 'a.css'; div { background: url(x.png) }</style>")


def test_report_has_trend_charts_tables_findings_and_rollout() -> None:
    html = _report()
    assert len(re.findall(r'<svg class="chart" id="chart-(?:org|accounts|teams)"', html)) == 3
    # org, 3 accounts (the failed one keeps its earlier points), 2 teams
    assert html.count('class="series"') == 1 + 3 + 2
    assert 'id="table-accounts"' in html and 'id="table-teams"' in html
    assert "Staging EU (222222222222)" in html and "Data Science" in html
    assert 'id="org-pct">100.0%' in html
    assert "+62.5 pts in the period" in html
    assert 'id="rollout"' in html and "pilot" in html and "everyone" in html
    assert re.search(r'<span class="badge critical">critical</span></td><td><code>MFA003</code>', html)
    assert "audit failed" in html and "AccessDenied" in html


def test_accounts_the_audit_could_not_read_come_first() -> None:
    # A blind spot matters more than any trend: it sits right under the summary, not after the findings.
    html = _report()
    assert html.index('id="errors"') < html.index('id="trend-org"') < html.index('id="findings"')
    assert "1 account not audited</small>" in html  # and no "0 partly read"
    row = re.search(r'<tr class="failed">.*?</tr>', html).group(0)  # type: ignore[union-attr]
    # Its numbers are those of the last audit that could read it, and the row says from when.
    assert "sandbox (333333333333)" in row and "figures from 2026-11-06" in row


def test_an_error_that_left_an_account_partly_read_is_not_called_a_failure() -> None:
    from mfaguard.model import AccountError

    snaps = _history(3)
    partial = AccountError("111111111111", "authorization_details", "Throttling", "rate exceeded")
    snaps[-1] = replace(snaps[-1], errors=(*snaps[-1].errors, partial))
    html = render_html(report_data_from_snapshots(snaps))
    section = html.split('id="errors"')[1].split("</section>")[0]
    assert "1 account not audited, 1 partly read" in section
    rows = re.findall(r"<tr><td[^>]*>(.*?)</td><td>(.*?)</td>", section.split("<tbody>")[1])
    assert [(name, re.sub(r"<[^>]+>", "", effect)) for name, effect in rows] == [
        ("sandbox (333333333333)", "not audited"), ("prod (111111111111)", "partly read"),
    ]


def test_rollout_section_only_when_present() -> None:
    assert 'id="rollout"' not in _report(rollout=False)


def test_wave_status_is_derived_from_progress() -> None:
    snapshot = make_snapshot(day=0)
    pilot, everyone = wave_progress(snapshot, WAVES)
    assert (pilot.members, pilot.with_mfa, pilot.enforced) == (4, 2, 2)
    assert pilot.derived_status == "blocked" and everyone.derived_status == "blocked"
    assert WaveProgress("w", ("t",), 3, 3, 1).derived_status == "ready"
    assert WaveProgress("w", ("t",), 3, 3, 3).derived_status == "enforced"
    assert WaveProgress("w", ("t",), 3, 1, 0, status="pending").derived_status == "pending"
    assert WaveProgress("w", ("t",), 0, 0, 0).derived_status == "pending"


def test_data_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    snaps = [replace(s, accounts=(Account("111111111111", evil), *s.accounts[1:])) for s in _history(2)]
    snaps = [
        replace(s, adoption=tuple(replace(a, label=evil) if a.key == "111111111111" else a for a in s.adoption))
        for s in snaps
    ]
    html = render_html(report_data_from_snapshots(snaps))
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_many_accounts_chart_the_lowest_and_list_all() -> None:
    base = make_snapshot(day=0)
    extra = tuple(
        Adoption("account", f"{900000000000 + i}", f"acct-{i:02d}", 10, 10, i % 11, 0, 10 - i % 11, 0)
        for i in range(25)
    )
    snaps = [replace(base, adoption=base.adoption + extra, taken_at=T0 + timedelta(days=d)) for d in range(3)]
    html = render_html(report_data_from_snapshots(snaps))
    chart = html.split('id="chart-accounts"')[1].split("</svg>")[0]
    assert chart.count('class="series"') == MAX_CHART_LINES
    table = html.split('id="table-accounts"')[1].split("</table>")[0]
    assert table.count("<tr") == 1 + 2 + 25  # header, prod and staging, the extra accounts
    assert "with the lowest adoption" in html


def test_empty_store_report_says_so() -> None:
    html = render_html(report_data_from_snapshots([]))
    assert "No audit in the store yet" in html
    assert html.count("no audits in this period") == 3


def test_since_drops_older_snapshots() -> None:
    data = report_data_from_snapshots(_history(6), since=T0 + timedelta(days=3))
    assert data.org is not None and len(data.org.points) == 3


def test_single_point_chart_and_axis_labels() -> None:
    svg = line_chart([ChartSeries("org", ((T0, 42.0),))], title="t", chart_id="c")
    assert svg.count("<circle") == 1 and 'class="series"' not in svg
    assert "42.0% on 2026-11-02 06:00 UTC" in svg


def test_png_export_writes_real_pngs(tmp_path: Path) -> None:
    files = write_pngs(report_data_from_snapshots(_history(4)), tmp_path / "charts")
    assert [f.name for f in files] == ["mfa-adoption-org.png", "mfa-adoption-accounts.png", "mfa-adoption-teams.png"]
    for f in files:
        data = f.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


# -- in a real browser -----------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(chromium.find_chromium() is None, reason="chromium is not installed")

# Appended to a copy of the report only: measures what the browser laid out and writes it into the DOM,
# where --dump-dom can read it.
_PROBE = """<script>
window.addEventListener('load', () => {
  const boxes = [...document.querySelectorAll('svg.chart')].map(s => {
    const r = s.getBoundingClientRect();
    return [s.id, Math.round(r.width), Math.round(r.height), s.querySelectorAll('path.series').length,
            s.querySelectorAll('circle.point').length];
  });
  const overflow = document.documentElement.scrollWidth > window.innerWidth;
  document.body.setAttribute('data-probe', JSON.stringify({boxes, overflow}));
});
</script>"""


@needs_chromium
@pytest.mark.integration
def test_report_renders_in_chromium(tmp_path: Path, artifacts_dir: Path) -> None:
    import json

    page = tmp_path / "report.html"
    page.write_text(_report(days=8))
    rendered = chromium.render(page)
    assert rendered.console == []
    assert rendered.outside_requests == []
    assert rendered.dom.count('class="chart"') == 3

    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text().replace("</body>", _PROBE + "</body>"))
    result = chromium.render(probed, width=1280)
    probe = json.loads(re.search(r"data-probe=\"([^\"]*)\"", result.dom).group(1).replace("&quot;", '"'))
    assert probe["overflow"] is False
    boxes = {b[0]: b[1:] for b in probe["boxes"]}
    assert set(boxes) == {"chart-org", "chart-accounts", "chart-teams"}
    for chart_id, (width, height, lines, points) in boxes.items():
        assert width > 600 and height > 150, chart_id
        assert lines >= 1 and points >= 8, chart_id

    shot = chromium.screenshot(page, artifacts_dir / "report.png", height=2800)
    assert shot.stat().st_size > 50_000


@needs_chromium
@pytest.mark.integration
def test_phone_width_has_no_horizontal_overflow(tmp_path: Path, artifacts_dir: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(_report().replace("</body>", _PROBE + "</body>"))
    dom = chromium.render(page, width=420).dom
    assert "&quot;overflow&quot;:false" in dom
    chromium.screenshot(page, artifacts_dir / "report-narrow.png", width=420, height=2400)


@needs_chromium
@pytest.mark.integration
def test_browser_checks_catch_console_errors_and_outside_loads(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body><img src='http://assets.example/x.png'>"
        "<script>console.error('boom'); undefinedFunction();</script></body></html>"
    )
    rendered = chromium.render(page)
    assert any("boom" in m for m in rendered.console)
    assert any("undefinedFunction is not defined" in m for m in rendered.console)
    assert rendered.outside_requests == ["http://assets.example/x.png"]  # asked for, resolved to nothing


# -- the command ---------------------------------------------------------------------------------


def test_report_command_from_a_real_store(tmp_path: Path) -> None:
    db = tmp_path / "mfaguard.db"
    with open_store(str(db)) as store:
        for snapshot in _history(5):
            store.save(snapshot)
    out = tmp_path / "out" / "mfa.html"
    charts = tmp_path / "charts"
    result = CliRunner().invoke(
        cli, ["report", "--store", str(db), "--html", str(out), "--png", str(charts), "--since", "2026-11-03"]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "Staging EU (222222222222)" in html and _external_refs(html) == []
    assert "4 audits in the trend since 2026-11-03" in html
    assert sorted(p.name for p in charts.iterdir()) == [
        "mfa-adoption-accounts.png", "mfa-adoption-org.png", "mfa-adoption-teams.png",
    ]


def test_report_command_to_stdout_and_empty_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--store", str(tmp_path / "empty.db"), "--html", "-"])
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "no audit in the store" in result.stderr


def test_report_command_needs_an_output(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--store", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "--html FILE" in result.output


def test_report_command_unwritable_target(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(cli, ["report", "--store", str(tmp_path / "x.db"), "--html", str(blocker / "r.html")])
    assert isinstance(result.exception, InputError) and result.exception.exit_code == 2
    assert "cannot write the report" in str(result.exception)


@pytest.mark.parametrize("days", [3, 7, 30, 90, 365])
def test_time_axis_ticks_are_whole_days_within_the_range(days: int) -> None:
    from mfaguard.report.svg import _ticks

    lo, hi = T0, T0 + timedelta(days=days)
    ticks = _ticks(lo, hi)
    assert 2 <= len(ticks) <= 7
    assert all(lo <= t <= hi and (t.hour, t.minute) == (0, 0) for t in ticks)
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1  # evenly spaced
