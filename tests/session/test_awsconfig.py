"""Resolving ~/.aws/config profiles into layered ProfileConfig objects (pure, no server)."""

from __future__ import annotations

import pytest

from mfaguard.session.awsconfig import AwsFiles, resolve_profile
from mfaguard.session.cache import CacheKey, cache_key
from mfaguard.session.errors import ProfileError
from mfaguard.session.inifile import parse_ini

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
CONFIG = f"""\
# comment
[default]
region = eu-west-1
mfa_process = ykman oath accounts code -s aws

[profile alice]
mfa_serial = {SERIAL}

[profile admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = alice
duration_seconds = 7200
external_id = ext-1

[profile chained]
role_arn = arn:aws:iam::210987654321:role/Deploy
source_profile = admin
region = us-west-2

[profile self-role]
role_arn = arn:aws:iam::123456789012:role/Admin
mfa_serial = {SERIAL}

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/B
source_profile = loop-a

[profile bad-duration]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = alice
duration_seconds = forever

[profile orphan]
region = eu-central-1
"""
CREDENTIALS = """\
[alice]
aws_access_key_id = AKIAALICE
aws_secret_access_key = alice-secret

[self-role]
aws_access_key_id = AKIASELF
aws_secret_access_key = self-secret
"""


@pytest.fixture
def files() -> AwsFiles:
    return AwsFiles(config=parse_ini(CONFIG, "config"), credentials=parse_ini(CREDENTIALS, "credentials"))


def test_source_profile_with_mfa_and_defaults(files: AwsFiles) -> None:
    alice = resolve_profile("alice", files, env={})
    assert alice.has_mfa() and not alice.has_role() and alice.has_static_keys
    assert alice.region == "eu-west-1"  # from [default]
    assert alice.mfa_process == "ykman oath accounts code -s aws"
    assert cache_key(alice) == CacheKey("session_token", "alice", SERIAL)


def test_role_profile_inherits_the_users_mfa_device(files: AwsFiles) -> None:
    admin = resolve_profile("admin", files, env={})
    assert admin.has_role() and admin.mfa_serial == SERIAL
    assert admin.source is not None and admin.source.name == "alice"
    assert admin.duration_seconds == 7200 and admin.external_id == "ext-1"
    assert admin.root().name == "alice"
    assert cache_key(admin) == CacheKey("assume_role", "admin", SERIAL)


def test_role_chain_and_own_region(files: AwsFiles) -> None:
    chained = resolve_profile("chained", files, env={})
    assert chained.region == "us-west-2"
    assert [chained.name, chained.source.name, chained.root().name] == ["chained", "admin", "alice"]  # type: ignore[union-attr]


def test_role_profile_with_its_own_keys(files: AwsFiles) -> None:
    prof = resolve_profile("self-role", files, env={})
    assert prof.source is not None and prof.source.name == "self-role" and prof.source.has_static_keys
    assert not prof.source.has_role()


def test_environment_overrides_the_profile_only(files: AwsFiles) -> None:
    env = {"AWS_REGION": "ap-south-1", "AWS_ROLE_SESSION_NAME": "me"}
    admin = resolve_profile("admin", files, env=env)
    assert admin.region == "ap-south-1" and admin.role_session_name == "me"
    assert admin.source is not None and admin.source.region == "eu-west-1"


def test_loop_is_refused_with_file_and_line(files: AwsFiles) -> None:
    with pytest.raises(ProfileError) as err:
        resolve_profile("loop-a", files, env={})
    text = str(err.value)
    assert "loop-a -> loop-b -> loop-a" in text
    assert text.startswith("config:")  # file and line of the source_profile that closes the loop


def test_missing_and_incomplete_profiles_say_what_to_do(files: AwsFiles) -> None:
    with pytest.raises(ProfileError, match="not found") as err:
        resolve_profile("nobody", files, env={})
    assert "alice" in str(err.value)  # lists the known profiles
    with pytest.raises(ProfileError, match="neither keys"):
        resolve_profile("orphan", files, env={})


def test_bad_duration_points_at_the_line(files: AwsFiles) -> None:
    with pytest.raises(ProfileError) as err:
        resolve_profile("bad-duration", files, env={})
    line = CONFIG.splitlines().index("duration_seconds = forever") + 1
    assert f"config:{line}" in str(err.value) and "duration_seconds" in str(err.value)


def test_role_duration_beyond_what_assume_role_accepts_points_at_the_line(files: AwsFiles) -> None:
    config = CONFIG + "\n[profile too-long]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = alice\n" \
        "duration_seconds = 86400\n"
    long_files = AwsFiles(config=parse_ini(config, "config"), credentials=files.credentials)
    with pytest.raises(ProfileError) as err:
        resolve_profile("too-long", long_files, env={})
    line = config.splitlines().index("duration_seconds = 86400") + 1
    assert f"config:{line}" in str(err.value) and "43200" in str(err.value)
    # A 24-hour MFA session of the user is fine: GetSessionToken allows up to 36 hours.
    day = CONFIG.replace("[profile alice]\n", "[profile alice]\nmfa_session_duration = 86400\n")
    ok = AwsFiles(config=parse_ini(day, "config"), credentials=files.credentials)
    assert resolve_profile("alice", ok, env={}).mfa_session_duration == 86400
