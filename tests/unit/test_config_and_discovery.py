from __future__ import annotations

from pathlib import Path

import pytest

from mfaguard.aws.discovery import parse_shard, select, shard_of
from mfaguard.config import load_config, parse_config
from mfaguard.errors import ConfigError, InputError
from mfaguard.model import Account, DeviceKind


def test_full_config_parses(tmp_path: Path) -> None:
    path = tmp_path / "mfaguard.toml"
    path.write_text(
        '[aws]\nprofile = "mgmt"\nregion = "eu-west-1"\n\n'
        '[accounts]\nsource = "config"\nrole_arn_template = "arn:aws:iam::{account_id}:role/Audit"\n'
        'external_id = "org-secret"\n\n'
        '[[accounts.list]]\nid = "111111111111"\nname = "prod"\n\n'
        '[[accounts.list]]\nid = "222222222222"\nrole_arn = "arn:aws:iam::222222222222:role/Custom"\n'
        'external_id = "other"\n\n'
        '[audit]\nconcurrency = 16\nenforcement_groups = ["*MFA*"]\n\n[rollout]\nmax_snapshot_age_hours = 24\n'
    )
    cfg = load_config(path)
    assert cfg.aws.profile == "mgmt" and cfg.audit.concurrency == 16
    assert cfg.accounts.role_arn_for("111111111111") == "arn:aws:iam::111111111111:role/Audit"
    assert cfg.accounts.role_arn_for("222222222222") == "arn:aws:iam::222222222222:role/Custom"
    assert cfg.accounts.external_id_for("111111111111") == "org-secret"
    assert cfg.accounts.external_id_for("222222222222") == "other"
    assert cfg.extra["rollout"] == {"max_snapshot_age_hours": 24}


def test_no_config_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config(None)
    assert cfg.accounts.source == "self" and cfg.audit.stale_days == 90


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ('[audit]\nstale_days = 0\n', 2, "audit.stale_days", "greater than or equal to 1"),
        ('[accounts]\nsource = "config"\n', 1, "accounts", "needs at least one [[accounts.list]]"),
        ('[accounts]\nrole_arn_template = "arn:aws:iam::1:role/X"\n', 2, "accounts.role_arn_template",
         "{account_id}"),
        ('[accounts]\nsource = "config"\n[[accounts.list]]\nid = "111111111111"\n[[accounts.list]]\n'
         'id = "111111111111"\n', 1, "accounts", "listed twice: 111111111111"),
        ('[aws]\nretry_mode = "fast"\n', 2, "aws.retry_mode", "'standard', 'adaptive' or 'legacy'"),
    ],
)
def test_errors_name_line_and_field(text: str, line: int, field: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "org.toml")
    err = info.value
    assert err.line == line and err.field == field and err.path == "org.toml"
    assert words in str(err) and err.hint


def test_select_by_id_and_name_glob() -> None:
    accounts = [Account("111111111111", "prod-eu"), Account("222222222222", "prod-us"), Account("333333333333", "dev")]
    assert [a.id for a in select(accounts, ["prod-*"], ["prod-us"])] == ["111111111111"]
    assert [a.id for a in select(accounts, [], ["333333333333"])] == ["111111111111", "222222222222"]
    assert [a.id for a in select(accounts, ["DEV"], [])] == ["333333333333"]


def test_shards_are_stable_and_cover_everything() -> None:
    ids = [f"{n:012d}" for n in range(200)]
    assignment = {i: shard_of(i, 4) for i in ids}
    assert set(assignment.values()) == {0, 1, 2, 3}
    # Adding an account never moves the others: the shard depends on the id alone.
    grown = {i: shard_of(i, 4) for i in [*ids, "999999999999"]}
    assert all(grown[i] == assignment[i] for i in ids)
    assert parse_shard("2/4") == (2, 4)
    for bad in ("4/4", "-1/2", "x", "1/0"):
        with pytest.raises(InputError):
            parse_shard(bad)


def test_device_kind_from_serial() -> None:
    assert DeviceKind.from_serial("arn:aws:iam::123456789012:mfa/alice") is DeviceKind.VIRTUAL
    assert DeviceKind.from_serial("arn:aws:iam::123456789012:u2f/user/alice/key-ABC") is DeviceKind.FIDO
    assert DeviceKind.from_serial("GAHT12345678") is DeviceKind.HARDWARE
    assert DeviceKind.from_serial("arn:aws:iam::1:something/else") is DeviceKind.UNKNOWN


def test_findings_doc_is_generated_from_the_catalog() -> None:
    from mfaguard.audit.findings import render_catalog_markdown

    doc = Path(__file__).parents[2] / "docs" / "findings.md"
    assert doc.read_text() == render_catalog_markdown(), "run: mfaguard findings --markdown > docs/findings.md"


def test_public_api_is_pinned() -> None:
    import mfaguard
    import mfaguard.audit
    import mfaguard.model

    assert mfaguard.__all__ == ["MfaguardError", "__version__"]
    assert mfaguard.audit.__all__ == ["AuditResult", "evaluate", "run_audit"]
    assert "Snapshot" in mfaguard.model.__all__ and "UserStatus" in mfaguard.model.__all__
