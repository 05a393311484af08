"""The [rollout], [notify] and [smtp] sections: defaults, validation errors, environment overrides; the public API."""

from __future__ import annotations

from pathlib import Path

import pytest

import mfaguard.rollout
from mfaguard.config import parse_config
from mfaguard.errors import ConfigError
from mfaguard.rollout.settings import SmtpSettings, load_settings


def test_defaults_without_any_section() -> None:
    rollout, notify, smtp = load_settings({})
    assert rollout.max_snapshot_age_hours == 24 and rollout.admin_levels == ["admin"]
    assert notify.rate_per_minute == 30 and (smtp.host, smtp.port, smtp.starttls) == ("127.0.0.1", 25, False)


def test_sections_from_a_real_config_file(tmp_path: Path) -> None:
    text = """\
[rollout]
max_snapshot_age_hours = 6
admin_levels = ["admin", "breakglass"]

[notify]
from = "Security <security@example.com>"
rate_per_minute = 10

[smtp]
host = "mail.internal"
port = 587
starttls = true
username = "mfaguard"
"""
    path = tmp_path / "mfaguard.toml"
    path.write_text(text)
    config = parse_config(text, str(path))
    rollout, notify, smtp = load_settings(config.extra, str(path))
    assert rollout.admin_levels == ["admin", "breakglass"] and notify.sender == "Security <security@example.com>"
    assert (smtp.host, smtp.port, smtp.starttls, smtp.username) == ("mail.internal", 587, True, "mfaguard")


@pytest.mark.parametrize(
    ("text", "field", "line", "message"),
    [
        ("[smtp]\nhost = 'x'\npasword = 'p'\n", "smtp.pasword", 3, "unknown setting"),
        ("[smtp]\nssl = true\nstarttls = true\n", "smtp", 1, "choose one of ssl"),
        ("[notify]\nfrom = 'nobody'\n", "notify.from", 2, "not an email address"),
        ("[rollout]\nmax_snapshot_age_hours = 0\n", "rollout.max_snapshot_age_hours", 2, "greater than 0"),
    ],
)
def test_bad_settings_name_file_line_and_field(tmp_path: Path, text: str, field: str, line: int, message: str) -> None:
    path = tmp_path / "mfaguard.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(parse_config(text, str(path)).extra, str(path))
    assert info.value.field == field and info.value.line == line and message in info.value.message
    assert "docs/rollout.md" in info.value.hint


def test_environment_overrides_and_the_password_only_from_the_environment() -> None:
    smtp = SmtpSettings(host="mail.internal", port=587, password_env="MAIL_PW")
    env = {"MFAGUARD_SMTP_HOST": "127.0.0.1", "MFAGUARD_SMTP_PORT": "2525", "MFAGUARD_SMTP_USERNAME": "bot",
           "MAIL_PW": "pw"}
    moved = smtp.with_environment(env)
    assert (moved.host, moved.port, moved.username) == ("127.0.0.1", 2525, "bot")
    assert moved.password(env) == "pw" and smtp.password({}) is None
    assert "password" not in SmtpSettings.model_fields  # no setting can hold it
    with pytest.raises(ConfigError, match="not a port number"):
        smtp.with_environment({"MFAGUARD_SMTP_PORT": "smtp"})


def test_public_api_is_pinned() -> None:
    assert sorted(mfaguard.rollout.__all__) == mfaguard.rollout.__all__
    for name in mfaguard.rollout.__all__:
        assert getattr(mfaguard.rollout, name) is not None
    assert {"parse_waves", "assess_waves", "check_advance", "plan_advance", "apply_advance", "plan_notifications",
            "render_messages", "send_messages", "RolloutLog", "load_settings"} <= set(mfaguard.rollout.__all__)


def test_a_password_written_in_the_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    text = "[smtp]\nusername = 'mailer'\npassword = 'hunter2-in-file'\n"
    path = tmp_path / "mfaguard.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(parse_config(text, str(path)).extra, str(path))
    assert (info.value.field, info.value.line) == ("smtp.password", 3)
    assert "environment variable" in info.value.hint and "MFAGUARD_SMTP_PASSWORD" in info.value.hint
    assert "hunter2-in-file" not in str(info.value)
