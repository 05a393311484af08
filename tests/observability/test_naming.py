"""The metric naming scheme, without any server."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from mfaguard.metrics import samples, sanitize
from mfaguard.metrics.naming import Sample
from mfaguard.metrics.statsd import MAX_PACKET_BYTES, format_gauges, packets
from mfaguard.model import Adoption
from tests.observability.factory import make_snapshot


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Platform", "platform"),
        ("Data Science", "data_science"),
        ("team.with.dots", "team_with_dots"),
        ("EU/West:ops", "eu_west_ops"),
        ("  --a--  ", "--a--"),
        ("ünïcode", "n_code"),
        ("", "unknown"),
        ("...", "unknown"),
        ("123456789012", "123456789012"),
    ],
)
def test_sanitize_gives_one_safe_segment(raw: str, expected: str) -> None:
    assert sanitize(raw) == expected


def _by_path(snapshot_samples: list[Sample]) -> dict[str, Sample]:
    return {".".join(s.path): s for s in snapshot_samples}


def test_org_account_team_and_audit_gauges() -> None:
    by_path = _by_path(samples(make_snapshot()))
    assert by_path["org.users"].value == 8
    assert by_path["org.users_mfa"].value == 3
    assert by_path["org.adoption_pct"].value == 37.5
    assert by_path["org.adoption_pct"].prom_value == pytest.approx(0.375)
    assert by_path["account.111111111111.adoption_pct"].value == 75
    assert by_path["account.111111111111.enforced"].value == 2
    assert by_path["team.data_science.users_mfa"].value == 1
    assert by_path["team.data_science.users"].labels == {"team": "Data Science"}
    assert by_path["org.findings.mfa001"].value == 4
    assert by_path["account.222222222222.findings.mfa001"].value == 4
    assert by_path["account.111111111111.findings.mfa003"].value == 1
    assert by_path["audit.failed_accounts"].value == 1
    assert by_path["audit.duration_seconds"].value == 12.5
    assert by_path["account.333333333333.failed"].value == 1
    assert by_path["account.111111111111.failed"].value == 0


def test_failed_account_has_no_adoption_gauges() -> None:
    # It has no user list: "100% of 0 users" would paint a failed account green, even if given one.
    snapshot = make_snapshot()
    stray = Adoption("account", "333333333333", "sandbox", 0, 0, 0, 0, 0, 0)
    paths = _by_path(samples(replace(snapshot, adoption=(*snapshot.adoption, stray))))
    assert not any(p.startswith("account.333333333333.adoption") for p in paths)
    assert paths["account.333333333333.failed"].value == 1
    assert "account.333333333333.adoption_pct" in _by_path(samples(make_snapshot(failed=False)))


def test_known_findings_read_zero_when_absent() -> None:
    by_path = _by_path(samples(make_snapshot(), known_findings=["MFA002"]))
    assert by_path["org.findings.mfa002"].value == 0
    assert by_path["account.111111111111.findings.mfa002"].value == 0


def test_prometheus_families_keep_scopes_apart() -> None:
    # One family per scope: summing an account family never double counts org totals.
    families = {s.family for s in samples(make_snapshot())}
    assert {"org_users", "account_users", "team_users", "org_mfa_adoption_ratio", "account_findings"} <= families
    for sample in samples(make_snapshot()):
        if sample.family.startswith("account_"):
            assert set(sample.labels) >= {"account_id", "account_name"}


def test_statsd_lines_have_prefix_and_gauge_type() -> None:
    lines = format_gauges(samples(make_snapshot()), "ops.mfaguard")
    assert "ops.mfaguard.org.adoption_pct:37.5|g" in lines
    assert "ops.mfaguard.account.111111111111.users:4|g" in lines
    assert all(line.endswith("|g") and line.startswith("ops.mfaguard.") for line in lines)


def test_statsd_skips_values_it_would_misread() -> None:
    bad = [Sample(("a",), "a", -1.0), Sample(("b",), "b", math.nan), Sample(("c",), "c", 0.5)]
    # A leading "-" is a decrement to StatsD; NaN is not a number it can store.
    assert format_gauges(bad, "") == ["c:0.5|g"]


def test_packets_fit_the_mtu_and_keep_whole_lines() -> None:
    lines = format_gauges(samples(make_snapshot()), "mfaguard") * 20
    batches = packets(lines)
    assert len(batches) > 1
    assert all(len(b) <= MAX_PACKET_BYTES for b in batches)
    assert [line for b in batches for line in b.decode().split("\n")] == lines


def test_shard_snapshot_sends_only_per_account_gauges() -> None:
    snapshot = replace(make_snapshot(), shard="1/4")
    kept = [s for s in samples(snapshot) if s.per_shard]
    assert kept and all(s.path[0] == "account" for s in kept)
    assert {s.path[2] for s in kept} >= {"adoption_pct", "users_mfa", "findings", "failed"}


def test_catalog_severity_labels_absent_findings() -> None:
    from mfaguard.audit.findings import CATALOG

    by_path = _by_path(samples(make_snapshot(), known_findings=CATALOG))
    for fid, spec in CATALOG.items():
        assert by_path[f"org.findings.{fid.lower()}"].labels["severity"] == spec.severity.value


def test_public_api_is_pinned() -> None:
    import mfaguard.metrics
    import mfaguard.report.html

    assert mfaguard.metrics.__all__ == ["Sample", "emit", "samples", "sanitize"]
    assert {"ReportData", "WaveProgress", "load_report_data", "render_html", "report_data_from_snapshots",
            "wave_progress", "chart_sets"} <= set(mfaguard.report.html.__all__)
