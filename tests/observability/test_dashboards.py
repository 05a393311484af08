"""Grafana dashboards: well-formed, in sync with their generator, and every query answers after emit()."""

from __future__ import annotations

import json
import re
import runpy
import time
from pathlib import Path
from typing import Any

import pytest

from mfaguard.config import MetricsConfig, PrometheusConfig, StatsdConfig
from mfaguard.metrics import emit
from tests.observability.factory import make_snapshot
from tests.support.graphite import Graphite, check_dashboard, dashboard_targets, series_patterns
from tests.support.pushgateway import Pushgateway
from tests.support.statsd import Statsd

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
FLAVOURS = ("graphite", "prometheus")


def _load(flavour: str) -> dict[str, Any]:
    return json.loads((GRAFANA / f"mfaguard-{flavour}.json").read_text())


def test_committed_dashboards_are_what_the_generator_writes() -> None:
    generated = runpy.run_path(str(GRAFANA / "generate.py"))["render_all"]()
    for name, text in generated.items():
        assert (GRAFANA / name).read_text() == text, f"{name} is stale: run python deploy/grafana/generate.py"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_dashboard_covers_the_issue(flavour: str) -> None:
    board = _load(flavour)
    titles = {p["title"] for p in board["panels"]}
    assert {
        "Organization MFA adoption over time", "MFA adoption per account", "MFA adoption per team",
        "Open findings by id", "Age of the last audit",
    } <= titles
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert panel["targets"], panel["title"]
        assert panel["datasource"] == {"type": flavour, "uid": "${datasource}"}
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24
    # No two panels overlap on Grafana's 24-column grid.
    cells = [(p["gridPos"]["x"] + dx, p["gridPos"]["y"] + dy) for p in board["panels"]
             for dx in range(p["gridPos"]["w"]) for dy in range(p["gridPos"]["h"])]
    assert len(cells) == len(set(cells))


def test_panels_show_the_same_quantity_on_both_dashboards() -> None:
    # Thresholds are absolute numbers: a panel whose Graphite flavour showed a timestamp where the
    # Prometheus one shows an age in seconds would be red forever.
    graphite, prometheus = (_load(f) for f in FLAVOURS)
    for g, p in zip(graphite["panels"], prometheus["panels"], strict=True):
        assert g["title"] == p["title"]
        assert g["fieldConfig"] == p["fieldConfig"], g["title"]


def test_target_extraction() -> None:
    board = _load("graphite")
    targets = dashboard_targets(board)
    assert "alias(stats.gauges.mfaguard.org.adoption_pct, 'adoption')" in targets
    assert not any("$" in t for t in targets)
    assert series_patterns("groupByNode(a.b.*.{c,d}, -2, 'sumSeries')") == ["a.b.*.{c,d}"]
    assert series_patterns("alias(asPercent(x.y, x.z), 'p')") == ["x.y", "x.z"]
    assert series_patterns("alias(scale(a.b, 1000), 'n')") == ["a.b"]


@pytest.mark.integration
def test_every_graphite_target_resolves_after_emit(statsd: Statsd, graphite_server: Graphite) -> None:
    # The dashboard's default prefix: StatsD's stats.gauges. + mfaguard's default prefix "mfaguard".
    config = MetricsConfig(statsd=StatsdConfig(port=statsd.udp_port))
    assert emit(make_snapshot(day=1), config) == []
    org = "stats.gauges.mfaguard.org.adoption_pct"
    graphite_server.wait_for(org, {org: 50.0})
    graphite_server.wait_for("stats.gauges.mfaguard.audit.accounts")
    board = _load("graphite")
    assert check_dashboard(graphite_server, board) == []
    # And the values are the snapshot's, through each panel's functions.
    assert graphite_server.last_values("aliasByNode(stats.gauges.mfaguard.team.*.adoption_pct, -2)") == {
        "data_science": 25.0, "platform": 75.0,
    }
    # The age panel reads seconds since the audit (its thresholds are 26 h and 48 h), not a timestamp.
    (age_target,) = [t for t in dashboard_targets(board) if "last_timestamp_seconds" in t]
    (age,) = graphite_server.last_values(age_target).values()
    assert age == pytest.approx(time.time() - make_snapshot(day=1).taken_at.timestamp(), abs=120)
    without = graphite_server.last_values(
        "groupByNode(stats.gauges.mfaguard.account.*.{console_without_mfa,keys_without_mfa}, -2, 'sumSeries')"
    )
    assert without == {"111111111111": 0.0, "222222222222": 4.0}


@pytest.mark.integration
def test_check_dashboard_reports_a_target_with_no_data(graphite_server: Graphite) -> None:
    board = {"panels": [{"targets": [{"target": "alias(stats.gauges.nothing.here, 'x')"}]}]}
    problems = check_dashboard(graphite_server, board)
    assert len(problems) == 2 and "no metric matches stats.gauges.nothing.here" in problems[0]


@pytest.mark.integration
def test_every_prometheus_metric_is_pushed(pushgateway: Pushgateway) -> None:
    assert emit(make_snapshot(), MetricsConfig(prometheus=PrometheusConfig(pushgateway=pushgateway.url))) == []
    pushed = {name for name, _, _ in pushgateway.samples()}
    exprs = [t["expr"] for p in _load("prometheus")["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\bmfaguard_[a-z_]+", e)}
    assert len(used) >= 10
    assert used <= pushed, used - pushed
    job_query = _load("prometheus")["templating"]["list"][1]["definition"]
    assert re.search(r"mfaguard_[a-z_]+", job_query).group(0) in pushed  # type: ignore[union-attr]
