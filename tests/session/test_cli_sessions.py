"""The session commands through the real console entry point, against moto with TOTP checking."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from .support import ACCOUNT, User, run_cli

pytestmark = pytest.mark.integration


def _cache_file() -> Path:
    return Path(os.environ["MFAGUARD_SESSION_FILE"])


def test_credential_process_then_cached_hit_with_an_encrypted_0600_file(alice: User) -> None:
    first = run_cli("credential-process", "admin", "--mfa-token", alice.code())
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    assert doc["Version"] == 1 and doc["AccessKeyId"] and doc["SessionToken"] and doc["Expiration"].endswith("Z")

    # No code and no terminal: only the cache can answer, and it does.
    second = run_cli("credential-process", "admin")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == doc
    assert alice.check.checked == 1

    path = _cache_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    raw = path.read_bytes()
    for secret in (doc["SecretAccessKey"], doc["SessionToken"], doc["AccessKeyId"], "admin", alice.serial):
        assert secret.encode() not in raw, "the cache file must not hold anything in clear"


def test_botocore_credential_process_provider_accepts_the_output(alice: User, monkeypatch) -> None:
    import boto3
    import botocore.session

    cached = run_cli("credential-process", "admin", "--mfa-token", alice.code())
    assert cached.returncode == 0, cached.stderr
    expected = json.loads(cached.stdout)
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text()
        + f"\n[profile admin-mfa]\ncredential_process = {sys.executable} -m mfaguard credential-process admin\n"
    )
    session = botocore.session.Session(profile="admin-mfa")
    creds = session.get_credentials()
    assert creds.method == "custom-process"
    frozen = creds.get_frozen_credentials()
    assert frozen.access_key == expected["AccessKeyId"] and frozen.token == expected["SessionToken"]
    # And the credentials work: STS says who they belong to.
    sts = boto3.session.Session(profile_name="admin-mfa", region_name="us-east-1").client("sts")
    assert sts.get_caller_identity()["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/")


def test_wrong_code_fails_clearly_and_caches_nothing(alice: User) -> None:
    wrong = "000000" if alice.code() != "000000" else "111111"
    result = run_cli("credential-process", "admin", "--mfa-token", wrong)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "AWS rejected the MFA code" in result.stderr and "hint:" in result.stderr
    assert wrong not in result.stderr
    assert not _cache_file().exists()
    listed = run_cli("sessions", "list")
    assert listed.returncode == 0 and "no cached sessions" in listed.stdout


def test_no_code_on_a_closed_stdin_says_what_to_do(alice: User) -> None:
    result = run_cli("export", "alice", input="")
    assert result.returncode == 1 and result.stdout == ""
    assert "not a terminal" in result.stderr and "--mfa-token" in result.stderr and "mfa_process" in result.stderr
    assert alice.check.checked == 0


def test_malformed_code_is_refused_before_calling_aws(alice: User) -> None:
    result = run_cli("export", "alice", "--mfa-token", "12ab")
    assert result.returncode == 1 and "6-digit code" in result.stderr
    assert alice.check.checked == 0


def test_exec_sets_the_session_clears_inherited_vars_and_passes_the_exit_code(alice: User) -> None:
    inherited = {"AWS_PROFILE": "somebody-else", "AWS_DEFAULT_PROFILE": "x", "AWS_SDK_LOAD_CONFIG": "1",
                 "AWS_ROLE_ARN": "arn:aws:iam::1:role/x", "AWS_WEB_IDENTITY_TOKEN_FILE": "/x"}
    env = dict(os.environ, AWS_SESSION_TOKEN="inherited-token", **inherited)
    script = (
        "import json, os, sys; keys = ('AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'MFAGUARD_PROFILE',"
        f" 'AWS_REGION', 'AWS_CREDENTIAL_EXPIRATION', *{tuple(inherited)!r});"
        " print(json.dumps({k: os.environ.get(k) for k in keys})); sys.exit(7)"
    )
    result = run_cli("exec", "admin", "--mfa-token", alice.code(), "--", sys.executable, "-c", script, env=env)
    assert result.returncode == 7, result.stderr
    seen = json.loads(result.stdout)
    assert all(seen[k] is None for k in inherited), seen
    assert seen["AWS_SESSION_TOKEN"] not in (None, "inherited-token")
    assert seen["MFAGUARD_PROFILE"] == "admin"
    assert seen["AWS_REGION"] == "eu-west-1" and seen["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")
    exported = json.loads(run_cli("export", "admin", "--format", "json").stdout)
    assert exported["AccessKeyId"] == seen["AWS_ACCESS_KEY_ID"]
    missing = run_cli("exec", "admin", "--", "no-such-command-here")
    assert missing.returncode == 1 and "cannot run no-such-command-here" in missing.stderr


def test_exec_refuses_to_nest(alice: User) -> None:
    env = dict(os.environ, MFAGUARD_PROFILE="admin")
    result = run_cli("exec", "readonly", "--mfa-token", alice.code(), "--", "true", env=env)
    assert result.returncode == 1
    assert "already inside an mfaguard session" in result.stderr
    # Refused before anything else, as aws-vault does: no code spent, no session fetched or cached.
    assert alice.check.checked == 0
    assert not _cache_file().exists()


def test_export_env_is_eval_able(alice: User) -> None:
    import subprocess

    result = run_cli("export", "readonly", "--mfa-token", alice.code())
    assert result.returncode == 0, result.stderr
    assert all(line.startswith("export AWS_") for line in result.stdout.splitlines())
    shell = subprocess.run(
        ["bash", "-c", result.stdout + '\necho "$AWS_ACCESS_KEY_ID $AWS_REGION"'], capture_output=True, text=True
    )
    key, region = shell.stdout.split()
    assert key.startswith("ASIA") and region == "eu-west-1"


def test_sessions_list_and_clear(alice: User) -> None:
    assert run_cli("export", "admin", "--mfa-token", alice.code()).returncode == 0
    listed = run_cli("sessions", "list", "--format", "json")
    rows = {(r["profile"], r["kind"]) for r in json.loads(listed.stdout)}
    assert rows == {("alice", "session_token"), ("admin", "assume_role")}
    table = run_cli("sessions", "list").stdout
    assert "admin" in table and "assume_role" in table and "AKIA" not in table and "ASIA" not in table

    cleared = run_cli("sessions", "clear", "admin")
    assert cleared.returncode == 0 and "cleared 1" in cleared.stderr
    rows = {(r["profile"], r["kind"]) for r in json.loads(run_cli("sessions", "list", "--format", "json").stdout)}
    assert rows == {("alice", "session_token")}
    assert run_cli("sessions", "clear").returncode == 0
    assert json.loads(run_cli("sessions", "list", "--format", "json").stdout) == []


def test_no_secret_in_verbose_log_output(alice: User) -> None:
    code = alice.code()
    result = run_cli("-vv", "export", "admin", "--format", "json", "--mfa-token", code)
    assert result.returncode == 0, result.stderr
    creds = json.loads(result.stdout)
    assert "AssumeRole" in result.stderr  # the log is there, and says what happened
    for secret in (code, alice.secret_key, alice.seed, creds["SecretAccessKey"], creds["SessionToken"]):
        assert secret not in result.stderr


def test_wrong_passphrase_is_a_clear_error(alice: User) -> None:
    assert run_cli("export", "alice", "--mfa-token", alice.code()).returncode == 0
    env = dict(os.environ, MFAGUARD_FILE_PASSPHRASE="not the passphrase")
    result = run_cli("sessions", "list", env=env)
    assert result.returncode == 1 and "wrong passphrase" in result.stderr
    # credential-process falls back from the fast path to the full command, which explains the same.
    result = run_cli("credential-process", "alice", env=env)
    assert result.returncode == 1 and "wrong passphrase" in result.stderr


def test_keyring_cache_with_a_real_file_keyring(alice: User, tmp_path: Path) -> None:
    data = tmp_path / "keyring-data"
    env = dict(os.environ, MFAGUARD_SESSION_BACKEND="auto", XDG_DATA_HOME=str(data),
               PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
    del env["MFAGUARD_FILE_PASSPHRASE"]
    first = run_cli("credential-process", "admin", "--mfa-token", alice.code(), env=env)
    assert first.returncode == 0, first.stderr
    again = run_cli("credential-process", "readonly", env=env)
    assert again.returncode == 0, again.stderr  # the MFA session came from the keyring, no code needed
    assert alice.check.checked == 1
    assert not _cache_file().exists(), "with a usable keyring the encrypted file is not used"

    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(data / "python_keyring" / "keyring_pass.cfg")
    from mfaguard.session import KeyringStore, SessionCache

    entries = {(e.key.kind, e.key.profile) for e in SessionCache(KeyringStore(backend=backend)).entries()}
    assert entries == {("session_token", "alice"), ("assume_role", "admin"), ("assume_role", "readonly")}

    # A TOTP seed stored through configure lives in the same keyring and supplies codes by itself.
    stored = run_cli("configure", "--profile", "alice", "--store-totp-seed", env=env, input=alice.seed + "\n")
    assert stored.returncode == 0, stored.stderr
    assert alice.seed not in stored.stderr + stored.stdout
    assert run_cli("sessions", "clear", env=env).returncode == 0
    fresh = run_cli("export", "admin", env=env)
    assert fresh.returncode == 0, fresh.stderr
    assert alice.check.checked == 2 and alice.check.rejected == 0


def test_default_keyring_detection_ignores_plaintext_backends(alice: User, tmp_path: Path) -> None:
    """keyrings.alt's plaintext file is installed here; unless chosen explicitly, the encrypted file wins."""
    env = dict(os.environ, MFAGUARD_SESSION_BACKEND="auto", XDG_DATA_HOME=str(tmp_path / "d"))
    result = run_cli("export", "alice", "--mfa-token", alice.code(), env=env)
    assert result.returncode == 0, result.stderr
    assert _cache_file().exists()
    assert not (tmp_path / "d" / "python_keyring").exists()


def test_credential_process_asks_on_the_terminal_while_the_sdk_captures_its_output(
    alice: User, tmp_path: Path
) -> None:
    """As under an AWS SDK: stdout and stderr are pipes, the person answers on the terminal (/dev/tty)."""
    import pty
    import select
    import shlex
    import time

    out, err = tmp_path / "out.json", tmp_path / "err.txt"
    command = (f"{shlex.quote(sys.executable)} -m mfaguard credential-process admin "
               f"> {shlex.quote(str(out))} 2> {shlex.quote(str(err))}")
    pid, fd = pty.fork()
    if pid == 0:  # the child gets the pty as its controlling terminal
        os.execvpe("bash", ["bash", "-c", command], dict(os.environ))
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while b"MFA code for" not in seen and time.monotonic() < deadline:
            if select.select([fd], [], [], 1)[0]:
                try:
                    seen += os.read(fd, 1024)
                except OSError:  # the child is gone: its stderr says why
                    break
        assert b"MFA code for " + alice.serial.encode() in seen, err.read_text() if err.exists() else seen
        os.write(fd, (alice.code() + "\n").encode())
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, err.read_text()
    assert json.loads(out.read_text())["Version"] == 1
    assert "MFA code" not in err.read_text()  # the prompt went to the terminal, not to the captured stderr
    assert alice.check.checked == 1


@pytest.mark.parametrize("cache_file_exists", [False, True], ids=["first-run", "cache-file-exists"])
def test_parallel_callers_share_one_mfa_session(alice: User, monkeypatch, cache_file_exists: bool) -> None:
    """Terraform starts many credential_process calls at once: the lock makes one of them get the session.

    With a cache file already there (yesterday's sessions), each caller has read it before waiting for the
    lock; they must still see the session the first one stored, or each sends the same code again, which
    AWS refuses.
    """
    import subprocess

    from mfaguard.session import EncryptedFileStore

    from .support import PASSPHRASE

    if cache_file_exists:
        EncryptedFileStore(_cache_file(), lambda: PASSPHRASE).set("session|assume_role|other|", "{}")
    monkeypatch.setattr(alice.check, "reject_reuse", True)
    monkeypatch.setenv("TEST_TOTP_SEED", alice.seed)
    script = "import os, pyotp; print(pyotp.TOTP(os.environ['TEST_TOTP_SEED']).now())"
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(config.read_text().replace("[default]\n", f"[default]\nmfa_process = {sys.executable} -c "
                                                 f"\"{script}\"\n"))
    procs = [
        subprocess.Popen([sys.executable, "-m", "mfaguard", "credential-process", profile], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
        for profile in ("admin", "readonly", "admin", "readonly")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    keys = {json.loads(out)["AccessKeyId"] for out, _ in outputs}
    assert len(keys) == 2  # one role session per profile, shared by the callers asking for it
    assert alice.check.checked == 1  # and a single MFA code for all of them
