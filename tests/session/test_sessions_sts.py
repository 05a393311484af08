"""Getting, caching and reusing MFA sessions against moto with real TOTP checking (library level)."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone

import pytest

from mfaguard.session import CacheKey, MemoryStore, MfaCodeError, SessionCache
from mfaguard.session.service import SessionRequest, get_credentials
from mfaguard.session.totp import store_seed

from .support import ACCOUNT, User

pytestmark = pytest.mark.integration


def _request(user: User, profile: str, store: MemoryStore, **kwargs) -> SessionRequest:
    return SessionRequest(profile=profile, ask=user.ask, env=dict(os.environ), store=store, **kwargs)


def _caller_arn(creds) -> str:
    import boto3

    sts = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key, aws_session_token=creds.session_token,
    )
    return sts.get_caller_identity()["Arn"]


def test_session_token_is_fetched_with_a_code_then_served_from_the_cache(alice: User) -> None:
    store = MemoryStore()
    profile, creds = get_credentials(_request(alice, "alice", store))
    assert len(alice.prompts) == 1 and alice.serial in alice.prompts[0]
    assert alice.check.checked == 1 and alice.check.rejected == 0
    assert creds.session_token and creds.expiration and profile.region == "eu-west-1"
    assert store.names() == [CacheKey("session_token", "alice", alice.serial).name()]

    _, again = get_credentials(_request(alice, "alice", store))
    assert again == creds
    assert len(alice.prompts) == 1, "a cached session must not prompt again"
    assert alice.check.checked == 1


def test_wrong_code_gives_a_clear_error_and_caches_nothing(alice: User) -> None:
    store = MemoryStore()
    wrong = "000000" if alice.code() != "000000" else "111111"
    with pytest.raises(MfaCodeError) as err:
        get_credentials(SessionRequest(profile="admin", mfa_token=wrong, env=dict(os.environ), store=store))
    assert "rejected the MFA code" in str(err.value)
    assert wrong not in str(err.value)
    assert alice.check.rejected == 1
    assert store.names() == []


def test_expired_session_prompts_again(alice: User) -> None:
    store = MemoryStore()
    get_credentials(_request(alice, "alice", store))
    assert len(alice.prompts) == 1
    # 13 hours later the 12-hour session is gone: the next call asks for a new code.
    later = datetime.now(timezone.utc) + timedelta(hours=13)
    get_credentials(_request(alice, "alice", store, clock=lambda: later))
    assert len(alice.prompts) == 2
    # Shortly before expiry (inside the refresh margin) counts as expired too.
    entry = SessionCache(store).entries()[0]
    assert entry.expiration is not None
    near_end = entry.expiration - timedelta(minutes=5)
    get_credentials(_request(alice, "alice", store, clock=lambda: near_end))
    assert len(alice.prompts) == 3


def test_role_profiles_reuse_the_cached_mfa_session_without_prompting(alice: User) -> None:
    store = MemoryStore()
    get_credentials(_request(alice, "alice", store))
    assert len(alice.prompts) == 1

    _, admin = get_credentials(_request(alice, "admin", store))
    _, readonly = get_credentials(_request(alice, "readonly", store))
    assert len(alice.prompts) == 1, "roles sharing the MFA serial must reuse the session"
    assert alice.check.checked == 1
    assert _caller_arn(admin).startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/")
    assert _caller_arn(readonly).startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/ReadOnly/")
    names = store.names()
    assert CacheKey("assume_role", "admin", alice.serial).name() in names
    assert CacheKey("assume_role", "readonly", alice.serial).name() in names


def test_role_first_creates_the_shared_session_once(alice: User) -> None:
    store = MemoryStore()
    get_credentials(_request(alice, "admin", store))
    get_credentials(_request(alice, "readonly", store))
    assert len(alice.prompts) == 1
    assert CacheKey("session_token", "alice", alice.serial).name() in store.names()


def test_long_role_session_uses_assume_role_with_mfa_directly(alice: User) -> None:
    store = MemoryStore()
    _, creds = get_credentials(_request(alice, "admin-long", store))
    assert len(alice.prompts) == 1
    assert alice.check.checked == 1
    assert creds.expiration is not None
    assert creds.expiration - datetime.now(timezone.utc) > timedelta(hours=3, minutes=50)
    # No GetSessionToken session was made: it would have capped the role at one hour.
    assert store.names() == [CacheKey("assume_role", "admin-long", alice.serial).name()]


def test_code_from_mfa_process(alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from .support import write_aws_files

    # The seed reaches the helper through its environment, as a password manager CLI would hold it.
    monkeypatch.setenv("TEST_TOTP_SEED", alice.seed)
    script = "import os, pyotp; print('code:', pyotp.TOTP(os.environ['TEST_TOTP_SEED']).now())"
    command = f'{sys.executable} -c "{script}"'
    write_aws_files(alice, f"\n[profile ci]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\n"
                           f"source_profile = alice\nmfa_process = {command}\n")
    store = MemoryStore()
    _, creds = get_credentials(SessionRequest(profile="ci", env=dict(os.environ), store=store))
    assert creds.session_token
    assert alice.check.checked == 1 and alice.check.rejected == 0


def test_code_from_a_stored_totp_seed(alice: User) -> None:
    store = MemoryStore()
    store_seed(store, alice.serial, alice.seed.lower())
    _, creds = get_credentials(SessionRequest(profile="admin", env=dict(os.environ), store=store))
    assert creds.session_token
    assert alice.check.checked == 1 and alice.check.rejected == 0


def test_no_code_source_and_no_terminal_says_what_to_do(alice: User) -> None:
    with pytest.raises(MfaCodeError) as err:
        get_credentials(SessionRequest(profile="admin", env=dict(os.environ), store=MemoryStore()))
    assert "--mfa-token" in str(err.value) and "mfa_process" in str(err.value)
    assert alice.check.checked == 0


def test_no_secret_in_log_output(alice: User, caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryStore()
    store_seed(store, alice.serial, alice.seed)
    with caplog.at_level(logging.DEBUG):
        _, session = get_credentials(SessionRequest(profile="alice", env=dict(os.environ), store=store))
        _, role = get_credentials(SessionRequest(profile="admin", env=dict(os.environ), store=store))
    text = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert "GetSessionToken" in text and "AssumeRole" in text  # the log did say what happened
    for secret in (alice.secret_key, alice.seed, session.secret_access_key, session.session_token,
                   role.secret_access_key, role.session_token):
        assert secret and secret not in text
    assert alice.secret_key not in repr(role) and (role.session_token or "") not in repr(role)


def test_a_cached_session_is_not_reused_once_the_profile_points_elsewhere(alice: User) -> None:
    """Same profile name, same MFA serial, but another role or other keys: the old session must not be served."""
    import boto3

    store = MemoryStore()
    _, admin = get_credentials(_request(alice, "admin", store))
    assert _caller_arn(admin).startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/")

    # The person edits role_arn of `admin` (say, to another account's role): admin now means that role.
    config = os.environ["AWS_CONFIG_FILE"]
    with open(config) as fh:
        text = fh.read().replace(f"role_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = alice\n\n",
                                 f"role_arn = arn:aws:iam::{ACCOUNT}:role/ReadOnly\nsource_profile = alice\n\n", 1)
    with open(config, "w") as fh:
        fh.write(text)
    _, switched = get_credentials(_request(alice, "admin", store))
    assert _caller_arn(switched).startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/ReadOnly/")
    assert len(alice.prompts) == 1, "the user's MFA session itself still fits and is reused"

    # The user's keys change (rotation, or the profile now holds someone else's keys): a new MFA session.
    iam = boto3.client("iam", endpoint_url=alice.endpoint, region_name="us-east-1")
    new_key = iam.create_access_key(UserName="alice")["AccessKey"]
    creds_file = os.environ["AWS_SHARED_CREDENTIALS_FILE"]
    with open(creds_file, "w") as fh:
        fh.write(f"[alice]\naws_access_key_id = {new_key['AccessKeyId']}\n"
                 f"aws_secret_access_key = {new_key['SecretAccessKey']}\n")
    get_credentials(_request(alice, "alice", store))
    assert len(alice.prompts) == 2


def test_refresh_of_a_chained_role_starts_again_from_a_new_code(alice: User) -> None:
    from .support import write_aws_files

    write_aws_files(alice, f"\n[profile chained]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/ReadOnly\n"
                           "source_profile = admin\n")
    store = MemoryStore()
    _, first = get_credentials(_request(alice, "chained", store))
    assert len(alice.prompts) == 1
    assert _caller_arn(first).startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/ReadOnly/")
    _, again = get_credentials(_request(alice, "chained", store, refresh=True))
    assert len(alice.prompts) == 2, "--refresh ignores every cached session the profile is built on"
    assert again.access_key_id != first.access_key_id
