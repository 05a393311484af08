"""`mfaguard configure`: profiles written into ~/.aws/config, everything else kept byte for byte."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from mfaguard.cli import cli
from mfaguard.errors import InputError
from mfaguard.session.configure import apply_profiles, plan_profiles, roles_from_outputs
from mfaguard.session.inifile import parse_ini

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
EXISTING = """\
# my hand-written settings
[default]
region = eu-west-1   ; trailing comment kept

[profile work]
sso_start_url = https://example.awsapps.com/start
s3 =
    max_concurrent_requests = 20

[profile alice]
region = us-east-1
output = json
"""


def test_apply_updates_in_place_and_appends_new_profiles() -> None:
    specs = plan_profiles("alice", mfa_serial=SERIAL, roles={"admin": "arn:aws:iam::123456789012:role/Admin"})
    new = apply_profiles(EXISTING, specs)
    assert new.startswith(EXISTING.split("[profile alice]")[0])  # untouched up to alice
    doc = parse_ini(new)
    assert doc.sections["profile alice"].values == {"region": "us-east-1", "output": "json", "mfa_serial": SERIAL}
    assert doc.sections["profile admin"].values == {
        "role_arn": "arn:aws:iam::123456789012:role/Admin", "source_profile": "alice", "mfa_serial": SERIAL,
    }
    assert "    max_concurrent_requests = 20" in new
    assert apply_profiles(new, specs) == new  # idempotent


def test_credential_process_goes_into_sibling_profiles() -> None:
    specs = plan_profiles("alice", mfa_serial=SERIAL, roles={"admin": "arn:aws:iam::123456789012:role/Admin"},
                          credential_process=True, command="mfaguard")
    by_name = {s.name: s.values for s in specs}
    assert by_name["admin-mfa"] == {"credential_process": "mfaguard credential-process admin"}
    assert by_name["alice-mfa"] == {"credential_process": "mfaguard credential-process alice"}
    assert "credential_process" not in by_name["admin"]  # the SDKs would ignore it next to role_arn


def test_bad_input_is_refused() -> None:
    with pytest.raises(InputError, match="MFA device ARN"):
        plan_profiles("alice", mfa_serial="alice-phone")
    with pytest.raises(InputError, match="role ARN"):
        plan_profiles("alice", roles={"admin": "arn:aws:iam::123:user/x"})
    with pytest.raises(InputError, match="profile name"):
        plan_profiles("alice smith")


def test_roles_from_terraform_outputs(tmp_path: Path) -> None:
    outputs = {
        "role_arns": {"sensitive": False, "type": ["map", "string"], "value": {
            "developer": "arn:aws:iam::123456789012:role/mfa-developer",
            "admin": "arn:aws:iam::123456789012:role/mfa-admin",
        }},
        "policy_arn": {"sensitive": False, "type": "string", "value": "arn:aws:iam::123456789012:policy/force-mfa"},
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    assert roles_from_outputs(str(path)) == {
        "developer": "arn:aws:iam::123456789012:role/mfa-developer",
        "admin": "arn:aws:iam::123456789012:role/mfa-admin",
    }
    path.write_text(json.dumps({"policy_arn": outputs["policy_arn"]}))
    with pytest.raises(InputError, match="no map of role ARNs"):
        roles_from_outputs(str(path))


def test_cli_dry_run_shows_a_diff_and_writes_nothing_then_writes() -> None:
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(EXISTING)
    config.chmod(0o640)
    args = ["configure", "--profile", "alice", "--mfa-serial", SERIAL, "--role",
            "admin=arn:aws:iam::123456789012:role/Admin", "--duration", "7200", "--credential-process"]
    runner = CliRunner()
    dry = runner.invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"+mfa_serial = {SERIAL}" in dry.stdout and "+[profile admin]" in dry.stdout
    assert "+duration_seconds = 7200" in dry.stdout
    assert config.read_text() == EXISTING

    wrote = runner.invoke(cli, args)
    assert wrote.exit_code == 0, wrote.output
    text = config.read_text()
    assert "# my hand-written settings" in text and "sso_start_url" in text
    assert "[profile admin-mfa]\ncredential_process = mfaguard credential-process admin" in text
    assert stat.S_IMODE(config.stat().st_mode) == 0o640  # the file's mode is kept
    again = runner.invoke(cli, args)
    assert "already up to date" in again.stderr


def test_cli_configure_from_outputs_with_prefix(tmp_path: Path) -> None:
    outputs = tmp_path / "out.json"
    outputs.write_text(json.dumps({"role_arns": {"value": {"dev": "arn:aws:iam::123456789012:role/Dev"}}}))
    result = CliRunner().invoke(cli, ["configure", "-p", "bob", "--from-outputs", str(outputs),
                                      "--role-prefix", "prod-", "--region", "eu-west-1"])
    assert result.exit_code == 0, result.output
    doc = parse_ini(Path(os.environ["AWS_CONFIG_FILE"]).read_text())
    assert doc.sections["profile prod-dev"].values["role_arn"] == "arn:aws:iam::123456789012:role/Dev"
    assert doc.sections["profile prod-dev"].values["source_profile"] == "bob"
    # A new config file is private to its owner.
    assert stat.S_IMODE(Path(os.environ["AWS_CONFIG_FILE"]).stat().st_mode) == 0o600


def test_cli_configure_updates_a_symlinked_config_where_it_points(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "aws-config"
    dotfiles.parent.mkdir()
    dotfiles.write_text(EXISTING)
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.unlink(missing_ok=True)
    config.symlink_to(dotfiles)
    result = CliRunner().invoke(cli, ["configure", "--profile", "alice", "--mfa-serial", SERIAL])
    assert result.exit_code == 0, result.output
    assert config.is_symlink() and config.resolve() == dotfiles.resolve()
    assert f"mfa_serial = {SERIAL}" in dotfiles.read_text()
