"""emit() against real StatsD, carbon/graphite-web and pushgateway on loopback, and against dead ones."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mfaguard.audit.findings import CATALOG
from mfaguard.config import MetricsConfig, PrometheusConfig, StatsdConfig
from mfaguard.metrics import emit, samples
from mfaguard.metrics import statsd as statsd_sink
from mfaguard.metrics.statsd import format_gauges
from tests.observability.factory import large_snapshot, make_snapshot
from tests.support.graphite import Graphite
from tests.support.ports import free_port
from tests.support.pushgateway import Pushgateway
from tests.support.statsd import Statsd

pytestmark = pytest.mark.integration


def _statsd_config(statsd: Statsd, protocol: str = "udp", prefix: str = "mfaguard") -> MetricsConfig:
    port = statsd.udp_port if protocol == "udp" else statsd.tcp_port
    return MetricsConfig(statsd=StatsdConfig(host="127.0.0.1", port=port, prefix=prefix, protocol=protocol))


@pytest.mark.parametrize("protocol", ["udp", "tcp"])
def test_statsd_receives_every_gauge(statsd: Statsd, protocol: str) -> None:
    warnings = emit(make_snapshot(), _statsd_config(statsd, protocol, prefix=f"t_{protocol}.mfaguard"))
    assert warnings == []
    p = f"t_{protocol}.mfaguard"
    gauges = statsd.wait_for_gauges({
        f"{p}.org.adoption_pct": 37.5,
        f"{p}.org.users": 8,
        f"{p}.account.111111111111.users_mfa": 3,
        f"{p}.team.data_science.adoption_pct": 25,
        f"{p}.org.findings.mfa001": 4,
        f"{p}.audit.failed_accounts": 1,
        f"{p}.audit.duration_seconds": 12.5,
    })
    ours = {name for name in gauges if name.startswith(p + ".")}
    sent = {line.split(":")[0] for line in format_gauges(samples(make_snapshot(), CATALOG), p)}
    assert len(sent) > 40
    assert ours == sent  # the whole scheme of the sample snapshot, nothing lost across packets


def test_statsd_to_graphite_renders_the_values(statsd: Statsd, graphite_server: Graphite) -> None:
    snapshot = replace(make_snapshot(day=2), taken_at=make_snapshot().taken_at)
    assert emit(snapshot, _statsd_config(statsd, prefix="render.mfaguard")) == []
    base = "stats.gauges.render.mfaguard"
    graphite_server.wait_for(f"{base}.org.adoption_pct", {f"{base}.org.adoption_pct": 62.5})
    per_team = graphite_server.wait_for(
        f"aliasByNode({base}.team.*.adoption_pct, -2)", {"data_science": 50.0, "platform": 75.0}
    )
    assert set(per_team) == {"data_science", "platform"}
    found = {n["text"] for n in graphite_server.find(f"{base}.account.*")}
    assert found == {"111111111111", "222222222222", "333333333333"}


def test_pushgateway_receives_labelled_gauges(pushgateway: Pushgateway) -> None:
    config = MetricsConfig(prometheus=PrometheusConfig(pushgateway=pushgateway.url, job="mfaguard-test"))
    assert emit(make_snapshot(), config) == []
    pushed = {(name, tuple(sorted(labels.items()))): value for name, labels, value in pushgateway.samples()}
    job = ("job", "mfaguard-test")
    assert pushed[("mfaguard_org_mfa_adoption_ratio", (("instance", ""), job))] == pytest.approx(0.375)
    key = (("account_id", "111111111111"), ("account_name", "prod"), ("instance", ""), job)
    assert pushed[("mfaguard_account_mfa_users", key)] == 3
    assert pushed[("mfaguard_team_mfa_users", (("instance", ""), job, ("team", "Data Science")))] == 1
    assert pushed[("mfaguard_audit_failed_accounts", (("instance", ""), job))] == 1


def test_pushgateway_push_replaces_the_previous_audit(pushgateway: Pushgateway) -> None:
    config = MetricsConfig(prometheus=PrometheusConfig(pushgateway=pushgateway.url, job="mfaguard"))
    assert emit(make_snapshot(day=0), config) == []
    assert emit(make_snapshot(adopted=8), config) == []
    findings = {labels["finding"] for name, labels, _ in pushgateway.samples() if name == "mfaguard_org_findings"}
    # Everyone has MFA now: the console finding is gone, not stuck at its old value.
    counts = {labels["finding"]: v for name, labels, v in pushgateway.samples() if name == "mfaguard_org_findings"}
    assert counts["MFA001"] == 0 and counts["MFA003"] == 1
    assert findings == {"MFA003"} | set(CATALOG)
    ratio = [v for n, _, v in pushgateway.samples() if n == "mfaguard_org_mfa_adoption_ratio"]
    assert ratio == [1.0]


def test_shards_push_into_their_own_groups(pushgateway: Pushgateway) -> None:
    config = MetricsConfig(prometheus=PrometheusConfig(pushgateway=pushgateway.url))
    assert emit(replace(make_snapshot(), shard="0/2"), config) == []
    assert emit(replace(make_snapshot(), shard="1/2"), config) == []
    shards = {labels.get("shard") for n, labels, _ in pushgateway.samples() if n == "mfaguard_account_users"}
    assert shards == {"0-of-2", "1-of-2"}
    assert not [n for n, _, _ in pushgateway.samples() if n.startswith("mfaguard_org_")]


def test_textfile_is_written_atomically_and_parses(tmp_path: Path) -> None:
    target = tmp_path / "mfaguard.prom"
    target.write_text("stale content from the previous audit\n")
    config = MetricsConfig(prometheus=PrometheusConfig(textfile=str(target)))
    assert emit(make_snapshot(), config) == []
    families = {f.name: f for f in text_string_to_metric_families(target.read_text())}
    assert families["mfaguard_org_users"].samples[0].value == 8
    assert families["mfaguard_audit_last_timestamp_seconds"].samples[0].value == make_snapshot().taken_at.timestamp()
    assert [p.name for p in tmp_path.iterdir()] == ["mfaguard.prom"]  # no temp file left behind


def test_textfile_in_a_missing_folder_is_a_warning(tmp_path: Path) -> None:
    config = MetricsConfig(prometheus=PrometheusConfig(textfile=str(tmp_path / "nope" / "mfaguard.prom")))
    warnings = emit(make_snapshot(), config)
    assert len(warnings) == 1 and "not written" in warnings[0]


def test_dead_endpoints_give_warnings_not_errors() -> None:
    dead_tcp = free_port()
    config = MetricsConfig(
        statsd=StatsdConfig(port=dead_tcp, protocol="tcp"),
        prometheus=PrometheusConfig(pushgateway=f"http://127.0.0.1:{free_port()}"),
    )
    started = time.monotonic()
    warnings = emit(make_snapshot(), config)
    assert time.monotonic() - started < 10
    assert len(warnings) == 2
    assert warnings[0].startswith(f"statsd tcp://127.0.0.1:{dead_tcp}: metrics not sent")
    assert "pushgateway" in warnings[1] and "not pushed" in warnings[1]


def test_dead_udp_statsd_never_raises() -> None:
    # UDP cannot tell for sure that nobody listens; when loopback answers "port unreachable" in time we
    # report it, and in no case does emit raise.
    port = free_port(socket.SOCK_DGRAM)
    warnings = emit(make_snapshot(), MetricsConfig(statsd=StatsdConfig(port=port)))
    assert all("metrics not sent" in w for w in warnings)


def test_unresolvable_statsd_host_is_a_warning() -> None:
    warnings = emit(make_snapshot(), MetricsConfig(statsd=StatsdConfig(host="statsd.invalid", port=8125)))
    assert len(warnings) == 1 and warnings[0].startswith("statsd udp://statsd.invalid:8125")


def test_nothing_configured_sends_nothing() -> None:
    assert emit(make_snapshot(), MetricsConfig()) == []


def test_a_large_organization_reaches_statsd_whole_over_udp(statsd: Statsd) -> None:
    # 300 accounts: ~5,000 gauges in ~170 packets, more than a default socket buffer holds at once.
    snapshot = large_snapshot(300)
    assert emit(snapshot, _statsd_config(statsd, "udp", prefix="big")) == []
    expected = {line.split(":")[0] for line in format_gauges(samples(snapshot, CATALOG), "big")}
    assert len(expected) > 5000
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        received = {name for name in statsd.gauges() if name.startswith("big.")}
        if received == expected:
            break
        time.sleep(0.2)
    assert received == expected


def test_garbage_pushgateway_url_and_a_folder_as_textfile_are_warnings(tmp_path: Path) -> None:
    config = MetricsConfig(prometheus=PrometheusConfig(pushgateway="http://[not a host", textfile=str(tmp_path)))
    warnings = emit(make_snapshot(), config)
    assert len(warnings) == 2
    assert "pushgateway" in warnings[0] and "textfile" in warnings[1]


def test_textfile_without_prom_suffix_is_written_with_a_warning(tmp_path: Path) -> None:
    target = tmp_path / "mfaguard.txt"
    warnings = emit(make_snapshot(), MetricsConfig(prometheus=PrometheusConfig(textfile=str(target))))
    assert target.exists() and len(warnings) == 1 and ".prom" in warnings[0]


@pytest.mark.parametrize("protocol", ["udp", "tcp"])
def test_a_port_out_of_range_is_a_warning_not_another_port(protocol: str) -> None:
    # 99999 would wrap to 34463 in getaddrinfo: over UDP the gauges would silently go elsewhere.
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        listener.bind(("127.0.0.1", 99999 % 65536))
    except OSError:
        pytest.skip("port 34463 is in use here")
    with listener:
        listener.settimeout(0.3)
        warnings = statsd_sink.send(["mfaguard.org.users:1|g"], "127.0.0.1", 99999, protocol)
        assert len(warnings) == 1 and "99999 is not a port number" in warnings[0]
        with pytest.raises(TimeoutError):
            listener.recv(100)


def test_teams_that_share_a_statsd_path_are_reported(statsd: Statsd) -> None:
    from mfaguard.model import Adoption

    snapshot = make_snapshot()
    clash = Adoption("team", "platform", "platform", 1, 1, 0, 0, 1, 0)  # "Platform" exists too
    warnings = emit(replace(snapshot, adoption=(*snapshot.adoption, clash)), _statsd_config(statsd))
    assert warnings == [
        "statsd: teams 'Platform', 'platform' share the path team.platform: only one of them is graphed; "
        "make their names differ in letters or digits"
    ]
    assert emit(snapshot, _statsd_config(statsd)) == []
