"""End to end: `mfaguard demo` audits the sandbox organization (moto) and sends StatsD gauges through a real
StatsD -> carbon -> graphite-web; every Graphite dashboard target then resolves with the audit's values,
and `mfaguard report` renders that history in a real browser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mfaguard.metrics import sanitize
from tests.support import chromium
from tests.support import graphite as graphite_support
from tests.support import statsd as statsd_support
from tests.support.graphite import Graphite, check_dashboard

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "mfaguard-graphite.json"
BASE = "stats.gauges.mfaguard"


@pytest.fixture
def fresh_graphite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Graphite, int]]:
    """A Graphite and a StatsD of this test's own: the dashboard's default prefix holds only this audit."""
    for reason in (graphite_support.available(), statsd_support.available()):
        if reason:
            pytest.skip(reason)
    graphite = graphite_support.start_graphite(tmp_path_factory.mktemp("graphite-e2e"))
    try:
        statsd = statsd_support.start_statsd(tmp_path_factory.mktemp("statsd-e2e"), graphite_port=graphite.line_port)
        try:
            yield graphite, statsd.udp_port
        finally:
            statsd.stop()
    finally:
        graphite.stop()


def _mfaguard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mfaguard", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=240, env=os.environ.copy())


def test_sandbox_audit_feeds_every_dashboard_panel(
    fresh_graphite: tuple[Graphite, int], tmp_path: Path, artifacts_dir: Path
) -> None:
    graphite, statsd_port = fresh_graphite
    store = tmp_path / "demo.db"
    res = _mfaguard("demo", "--accounts", "3", "--users", "40", "--seed", "3", "--format", "json",
                    "--store", str(store), "--statsd", f"127.0.0.1:{statsd_port}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "warning" not in res.stderr
    snapshot = json.loads(res.stdout)

    graphite.wait_for(f"{BASE}.org.adoption_pct", {f"{BASE}.org.adoption_pct": snapshot["org_pct"]}, timeout=30)
    graphite.wait_for(f"{BASE}.audit.last_timestamp_seconds", timeout=30)
    problems = check_dashboard(graphite, json.loads(BOARD.read_text()))
    assert problems == []

    accounts = {a["key"]: a["pct"] for a in snapshot["adoption"] if a["scope"] == "account"}
    assert len(accounts) == 4
    rendered = graphite.wait_for(f"aliasByNode({BASE}.account.*.adoption_pct, -2)", accounts)
    assert rendered == accounts
    teams = {a["key"]: a for a in snapshot["adoption"] if a["scope"] == "team"}
    users_mfa = graphite.last_values(f"aliasByNode({BASE}.team.*.users_mfa, -2)")
    assert users_mfa == {sanitize(key): float(a["with_mfa"]) for key, a in teams.items()}
    finding_ids = {f["id"] for f in snapshot["findings"]}
    open_findings = graphite.last_values(f"aliasByNode({BASE}.org.findings.*, -1)")
    assert {k for k, v in open_findings.items() if v > 0} == {sanitize(f) for f in finding_ids}

    # The stored history makes a report a browser renders cleanly.
    page = tmp_path / "report.html"
    rep = _mfaguard("report", "--store", str(store), "--html", str(page), cwd=tmp_path)
    assert rep.returncode == 0, rep.stderr
    if chromium.find_chromium() is None:
        pytest.skip("chromium is not installed")
    result = chromium.render(page)
    assert result.console == [] and result.outside_requests == []
    assert result.dom.count('class="chart"') == 3
    for account_id in accounts:
        assert account_id in result.dom
    chromium.screenshot(page, artifacts_dir / "report-sandbox.png", height=3000)


def test_audit_with_dead_metrics_endpoints_still_stores_its_snapshot(org: Any, tmp_path: Path) -> None:
    from tests.support.awsorg import make_user
    from tests.support.ports import free_port

    dev = org.add_member("dev")
    make_user(org.iam(dev), "alice", console=True, mfa=True, team="web")
    make_user(org.iam(dev), "bob", console=True, team="web")
    config = tmp_path / "mfaguard.toml"
    dead_tcp = free_port()
    config.write_text(
        f'[aws]\nendpoint_url = "{org.emulator.url}"\nmax_attempts = 2\n\n'
        '[accounts]\nsource = "organizations"\nrole_name = "OrganizationAccountAccessRole"\n\n'
        f'[metrics.statsd]\nport = {dead_tcp}\nprotocol = "tcp"\n\n'
        f'[metrics.prometheus]\npushgateway = "http://127.0.0.1:{free_port()}"\n'
    )
    store = tmp_path / "history.db"
    res = _mfaguard("-c", str(config), "audit", "--format", "json", "--store", str(store), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"warning: statsd tcp://127.0.0.1:{dead_tcp}: metrics not sent" in res.stderr
    assert "warning: prometheus pushgateway" in res.stderr
    assert res.stderr.count("metrics not sent") == 1 and res.stderr.count("not pushed") == 1  # said once
    snapshot_id = json.loads(res.stdout)["id"]
    from mfaguard.store import open_store

    with open_store(str(store)) as opened:
        latest = opened.latest()
    assert latest is not None and latest.id == snapshot_id
