"""TOTP sources, the emulator's TOTP check, shell integration and the credential-process fast path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner

from mfaguard.cli import cli
from mfaguard.session import MemoryStore, MfaCodeError
from mfaguard.session.totp import ChainSource, FixedCode, ProcessCode, PromptCode, StoredSeedCode, store_seed

from .support import ACCOUNT, User, run_cli

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
SEED = pyotp.random_base32()


def test_fixed_code_must_be_six_digits() -> None:
    assert FixedCode(" 123456 ").code(SERIAL) == "123456"
    with pytest.raises(MfaCodeError, match="6-digit") as err:
        FixedCode("12345x").code(SERIAL)
    assert "12345x" not in str(err.value)


def test_process_code_takes_the_last_code_it_prints() -> None:
    cmd = f"{sys.executable} -c \"print('Account: aws'); print('  123456'); print('654321')\""
    assert ProcessCode(cmd).code(SERIAL) == "654321"


def test_process_code_runs_through_the_shell_and_leaves_stderr_to_the_person(capfd: pytest.CaptureFixture) -> None:
    """As aws-vault: `sh -c` (pipes work), and the tool's own prompt (touch your key) reaches the terminal."""
    cmd = "echo 'Touch your YubiKey' >&2; echo 123456 | tr 1 9"
    assert ProcessCode(cmd).code(SERIAL) == "923456"
    assert "Touch your YubiKey" in capfd.readouterr().err


def test_process_code_failures_are_clear_and_quiet() -> None:
    with pytest.raises(MfaCodeError, match="exited with 3"):
        ProcessCode(f"{sys.executable} -c \"import sys; print('{SEED}'); sys.exit(3)\"").code(SERIAL)
    with pytest.raises(MfaCodeError, match="did not give a 6-digit code") as err:
        ProcessCode(f"{sys.executable} -c \"print('{SEED}')\"").code(SERIAL)
    assert SEED not in str(err.value)
    with pytest.raises(MfaCodeError, match="could not run"):
        ProcessCode("/nonexistent/otp-tool").code(SERIAL)


def test_stored_seed_and_chain_order() -> None:
    store = MemoryStore()
    assert StoredSeedCode(store).code(SERIAL) is None
    store_seed(store, SERIAL, SEED.lower())
    assert pyotp.TOTP(SEED).verify(StoredSeedCode(store).code(SERIAL) or "")
    asked: list[str] = []
    chain = ChainSource([FixedCode("111111"), StoredSeedCode(store), PromptCode(lambda p: asked.append(p) or "")])
    assert chain.code(SERIAL) == "111111" and asked == []
    with pytest.raises(MfaCodeError, match="not valid base32"):
        store_seed(store, SERIAL, "not a seed!")


@pytest.mark.integration
def test_emulator_checks_codes(alice: User) -> None:
    import boto3
    from botocore.exceptions import ClientError

    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=alice.endpoint,
                       aws_access_key_id=alice.access_key, aws_secret_access_key=alice.secret_key)
    assert sts.get_session_token(SerialNumber=alice.serial, TokenCode=alice.code())["Credentials"]
    for serial, code in ((alice.serial, "000000" if alice.code() != "000000" else "111111"),
                         (f"arn:aws:iam::{ACCOUNT}:mfa/nobody", alice.code())):
        with pytest.raises(ClientError) as err:
            sts.get_session_token(SerialNumber=serial, TokenCode=code)
        assert err.value.response["Error"]["Code"] == "AccessDenied"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # Requests without MFA pass through untouched.
    assert sts.get_caller_identity()["Account"] == ACCOUNT
    alice.check.reject_reuse = True
    try:
        code = alice.code()
        role = f"arn:aws:iam::{ACCOUNT}:role/Admin"
        sts.assume_role(RoleArn=role, RoleSessionName="first", SerialNumber=alice.serial, TokenCode=code)
        with pytest.raises(ClientError, match="already used"):
            sts.assume_role(RoleArn=role, RoleSessionName="second", SerialNumber=alice.serial, TokenCode=code)
    finally:
        alice.check.reject_reuse = False


@pytest.mark.integration
def test_interactive_prompt_asks_once_on_stderr(alice: User) -> None:
    result = CliRunner().invoke(cli, ["export", "admin", "--format", "json"], input=alice.code() + "\n")
    assert result.exit_code == 0, result.output
    assert f"MFA code for {alice.serial}" in result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["Version"] == 1
    again = CliRunner().invoke(cli, ["export", "readonly"], input="")
    assert again.exit_code == 0 and "MFA code" not in again.stderr


def test_shell_init_bash_is_valid_and_has_one_function_per_profile() -> None:
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        f"[profile alice]\nmfa_serial = {SERIAL}\n[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/A\n"
        "source_profile = alice\n[profile plain]\nregion = eu-west-1\n"
    )
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[alice]\naws_access_key_id = AKIAX\naws_secret_access_key = x\n"
        "[plain]\naws_access_key_id = AKIAY\naws_secret_access_key = y\n"
    )
    result = CliRunner().invoke(cli, ["shell-init", "bash"])
    assert result.exit_code == 0, result.output
    script = result.stdout
    assert "_MFAGUARD_COMPLETE=bash_complete" in script
    assert "mfa-admin() { command mfaguard exec admin --" in script and "mfa-alice()" in script
    assert "mfa-plain" not in script  # no MFA, no role: nothing to wrap
    # bash parses it, defines the functions, and the completion is registered.
    check = subprocess.run(
        ["bash", "-c", script + "\ndeclare -F mfa-admin mfaguard-use && complete -p mfaguard"],
        capture_output=True, text=True,
    )
    assert check.returncode == 0, check.stderr
    zsh = CliRunner().invoke(cli, ["shell-init", "zsh"])
    assert zsh.exit_code == 0 and "compdef" in zsh.stdout and "mfa-admin()" in zsh.stdout
    if shutil.which("zsh"):
        assert subprocess.run(["zsh", "-n", "-c", zsh.stdout]).returncode == 0


@pytest.mark.integration
def test_cached_credential_process_imports_nothing_heavy(alice: User) -> None:
    assert run_cli("credential-process", "admin", "--mfa-token", alice.code()).returncode == 0
    probe = (
        "import sys\n"
        "from mfaguard.entry import main\n"
        "try:\n    main(['credential-process', 'admin'])\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('boto3', 'botocore', 'rich', 'pydantic', 'sqlalchemy', 'keyring', 'pyotp', 'moto', 'click'))\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=dict(os.environ))
    assert json.loads(result.stdout)["Version"] == 1
    assert result.stderr.strip() == "0 []", result.stderr


@pytest.mark.integration
def test_fast_path_module_is_a_drop_in_for_the_console_script(alice: User) -> None:
    first = run_cli("credential-process", "admin", "--mfa-token", alice.code())
    module = [sys.executable, "-m", "mfaguard.session.fastpath", "credential-process"]
    hit = subprocess.run([*module, "admin"], capture_output=True, text=True, env=dict(os.environ))
    assert hit.returncode == 0 and json.loads(hit.stdout) == json.loads(first.stdout)
    # A miss goes to the full command, here with its code from the flag.
    miss = subprocess.run([*module, "readonly", "--mfa-token", alice.code()], capture_output=True, text=True,
                          env=dict(os.environ))
    assert miss.returncode == 0, miss.stderr
    assert json.loads(miss.stdout)["AccessKeyId"] != json.loads(first.stdout)["AccessKeyId"]


@pytest.mark.integration
def test_cache_passphrase_is_asked_hidden_when_not_in_the_environment(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MFAGUARD_FILE_PASSPHRASE")
    passphrase = "a long passphrase typed at the prompt"
    first = CliRunner().invoke(cli, ["export", "alice", "--format", "json"], input=f"{alice.code()}\n{passphrase}\n")
    assert first.exit_code == 0, first.output
    assert "Passphrase for the mfaguard session cache" in first.stderr
    assert passphrase not in first.output + first.stderr  # not echoed
    again = CliRunner().invoke(cli, ["export", "alice", "--format", "json"], input=f"{passphrase}\n")
    assert again.exit_code == 0, again.output
    assert "MFA code" not in again.stderr
    assert json.loads(again.stdout.splitlines()[-1]) == json.loads(first.stdout.splitlines()[-1])


def test_fast_path_serves_only_a_session_of_the_profile_as_it_is_now(tmp_path: Path) -> None:
    """The fast path answers from the cache only when the cached role session fits the current config."""
    import io
    from datetime import datetime, timedelta, timezone

    from mfaguard.session import Credentials, SessionCache, cache_key, load_aws_files, open_store, resolve_profile
    from mfaguard.session.cache import fingerprint
    from mfaguard.session.fastpath import cached_credential_process

    config = Path(os.environ["AWS_CONFIG_FILE"])
    role = f"[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = alice\n"
    config.write_text(f"[profile alice]\nmfa_serial = {SERIAL}\n{role}")
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[alice]\naws_access_key_id = AKIAX\naws_secret_access_key = x\n"
    )
    files = load_aws_files()
    profile = resolve_profile("admin", files)
    creds = Credentials("ASIAROLE", "secret", "token", datetime.now(timezone.utc) + timedelta(hours=1))
    SessionCache(open_store()).put(cache_key(profile), creds, fingerprint(profile, files))  # type: ignore[arg-type]
    out = io.StringIO()
    assert cached_credential_process(["credential-process", "admin"], out=out)
    assert json.loads(out.getvalue())["AccessKeyId"] == "ASIAROLE"

    config.write_text(config.read_text().replace("role/Admin", "role/Other"))
    out = io.StringIO()
    assert not cached_credential_process(["credential-process", "admin"], out=out)
    assert out.getvalue() == ""
