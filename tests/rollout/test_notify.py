"""Notification planning, templates, and sending through a real SMTP server on loopback."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from mfaguard.errors import InputError
from mfaguard.rollout.notify import plan_notifications, render_messages
from mfaguard.rollout.readiness import assess_waves
from mfaguard.rollout.settings import NotifySettings, SmtpSettings
from mfaguard.rollout.smtp import RateLimiter, SmtpError, send_messages
from mfaguard.rollout.waves import parse_waves
from tests.rollout.conftest import SmtpSink, Tls
from tests.rollout.factory import PROD, STAGING, all_ready, replace, roster, snapshot
from tests.support.ports import free_port

TODAY = date(2026, 3, 2)


def _pilot(users):  # type: ignore[no-untyped-def]
    loaded = roster()
    return assess_waves(loaded.roster, parse_waves(loaded), snapshot(users))[1]


def _unready():  # type: ignore[no-untyped-def]
    users = replace(replace(all_ready(), PROD, "bob-cli", mfa=False), STAGING, "dave", mfa=False)
    return replace(users, PROD, "carol", mfa=False)


def test_plan_mails_only_unready_people_with_an_address_and_not_twice() -> None:
    pilot = _pilot(_unready())
    plan = plan_notifications(pilot, already=[])
    assert [p.person for p in plan.to_send] == ["dave", "bob"]
    assert plan.no_email == ("carol",) and plan.ready == 0
    again = plan_notifications(pilot, already=["dave"])
    assert [p.person for p in again.to_send] == ["bob"] and again.already_notified == ("dave",)
    assert [p.person for p in plan_notifications(pilot, already=["dave"], resend=True).to_send] == ["dave", "bob"]


def test_messages_are_personal() -> None:
    pilot = _pilot(_unready())
    settings = NotifySettings(docs_url="https://wiki.example.com/mfa", sender="Security <security@example.com>")
    messages = render_messages(plan_notifications(pilot, []), pilot, settings, today=TODAY,
                               regions={"staging": "eu-west-1"})
    bob = next(m for m in messages if m.person == "bob")
    assert bob.to == "bob@example.com"
    assert bob.subject == "Action needed: enable MFA on your AWS access before 2026-04-01"
    assert "Hello Bob Web," in bob.body and 'wave "pilot" (team web)' in bob.body
    assert "account prod (111111111111): user bob-cli, cli-only" in bob.body
    assert "user bob," not in bob.body  # bob's console user has MFA already
    assert "[profile prod]\nregion = us-east-1\nmfa_serial = arn:aws:iam::111111111111:mfa/bob-cli" in bob.body
    assert "--serial-number arn:aws:iam::111111111111:mfa/bob-cli" in bob.body
    assert "https://wiki.example.com/mfa" in bob.body and bob.body.rstrip().endswith("Security")
    assert "Wednesday 01 April 2026" in bob.body
    dave = next(m for m in messages if m.person == "dave")
    assert "[profile staging]\nregion = eu-west-1" in dave.body


def test_a_wave_without_target_date_gets_the_default_deadline() -> None:
    loaded = roster()
    everyone = assess_waves(loaded.roster, parse_waves(loaded), snapshot(all_ready()))[2]
    erin = everyone.people[0]
    # erin is exempt, so nobody is mailed; the deadline logic is exercised through a rendered plan anyway
    plan = plan_notifications(everyone, [])
    assert plan.to_send == () and erin.status == "exempt"
    pilot = _pilot(_unready())
    from dataclasses import replace as dc_replace

    undated = dc_replace(pilot, wave=dc_replace(pilot.wave, target_date=None))
    msgs = render_messages(plan_notifications(undated, []), undated, NotifySettings(default_deadline_days=10),
                           today=TODAY)
    assert msgs[0].subject.endswith("before 2026-03-12")


def test_templates_can_be_overridden_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "notify_subject.j2").write_text("[{{ wave }}] MFA for {{ name }} by {{ deadline }}\n")
    pilot = _pilot(_unready())
    msgs = render_messages(plan_notifications(pilot, []), pilot, NotifySettings(templates_dir=str(tmp_path)),
                           today=TODAY)
    assert msgs[0].subject == "[pilot] MFA for Dave Data by 2026-04-01"
    assert "How to set up a device" in msgs[0].body  # the built-in body still applies


def test_a_broken_template_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notify_body.j2").write_text("Hi {{ nmae }}\n")
    pilot = _pilot(_unready())
    with pytest.raises(InputError, match="template error: 'nmae' is undefined"):
        render_messages(plan_notifications(pilot, []), pilot, NotifySettings(templates_dir=str(tmp_path)), today=TODAY)
    with pytest.raises(InputError, match="does not exist"):
        render_messages(plan_notifications(pilot, []), pilot, NotifySettings(templates_dir=str(tmp_path / "x")),
                        today=TODAY)


def test_messages_reach_a_real_smtp_server_rate_limited(smtp_server: SmtpSink) -> None:
    pilot = _pilot(_unready())
    messages = render_messages(plan_notifications(pilot, []), pilot, NotifySettings(), today=TODAY)
    logged: list[tuple[str, str]] = []
    started = time.monotonic()
    sent = send_messages(
        messages, SmtpSettings(host=smtp_server.host, port=smtp_server.port), sender="Security <sec@example.com>",
        reply_to="help@example.com", per_minute=300, on_sent=lambda m, mid, at: logged.append((m.person, mid)),
    )
    elapsed = time.monotonic() - started
    assert elapsed >= 0.2  # two messages, 0.2 s apart at 300 a minute
    assert [m.person for m, _ in sent] == ["dave", "bob"] == [p for p, _ in logged]
    assert [r.recipients for r in smtp_server.received] == [["dave@example.com"], ["bob@example.com"]]
    first = smtp_server.received[0].message
    assert first["From"] == "Security <sec@example.com>" and first["Reply-To"] == "help@example.com"
    assert first["Subject"] == messages[0].subject
    assert first["Message-ID"] == sent[0][1] and first["Message-ID"].endswith("@example.com>")
    assert "account staging (222222222222): user dave" in first.get_payload(decode=True).decode()


def test_rate_limiter_spaces_sends_evenly() -> None:
    clock = [0.0]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        clock[0] += s

    limiter = RateLimiter(120, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
        clock[0] += 0.1  # sending takes 0.1 s
    assert sleeps == pytest.approx([0.4, 0.4])


def test_smtp_down_is_a_clear_error_and_nothing_is_reported_sent() -> None:
    pilot = _pilot(_unready())
    messages = render_messages(plan_notifications(pilot, []), pilot, NotifySettings(), today=TODAY)
    port = free_port()  # nothing listens there
    logged: list[str] = []
    with pytest.raises(SmtpError) as info:
        send_messages(messages, SmtpSettings(host="127.0.0.1", port=port, timeout_s=2), sender="s@example.com",
                      on_sent=lambda m, mid, at: logged.append(m.person))
    assert f"cannot reach the SMTP server 127.0.0.1:{port}" in str(info.value) and "nothing was sent" in str(info.value)
    assert "hint: check [smtp] host and port" in str(info.value)
    assert logged == []


def test_a_login_without_password_is_refused_before_sending(smtp_server: SmtpSink) -> None:
    pilot = _pilot(_unready())
    messages = render_messages(plan_notifications(pilot, []), pilot, NotifySettings(), today=TODAY)
    settings = SmtpSettings(host=smtp_server.host, port=smtp_server.port, username="mailer")
    with pytest.raises(SmtpError, match="needs a password for mailer") as info:
        send_messages(messages, settings, sender="s@example.com")
    assert "MFAGUARD_SMTP_PASSWORD" in info.value.hint
    assert smtp_server.received == []


def test_starttls_then_login_with_the_password_from_the_environment(smtp_starttls_server: SmtpSink, tls: Tls) -> None:
    pilot = _pilot(_unready())
    messages = render_messages(plan_notifications(pilot, []), pilot, NotifySettings(), today=TODAY)
    base = {"host": smtp_starttls_server.host, "port": smtp_starttls_server.port, "username": "mailer",
            "timeout_s": 5}
    password = SmtpSettings(**base, password_env="TEST_SMTP_PW").password({"TEST_SMTP_PW": "s3cr3t-Pw"})
    # Without STARTTLS the server refuses to go on; with it but an unknown CA the certificate is refused.
    with pytest.raises(SmtpError) as info:
        send_messages(messages, SmtpSettings(**base), sender="s@example.com", password=password)
    assert "does not offer STARTTLS or AUTH" in str(info.value) and "s3cr3t-Pw" not in str(info.value)
    with pytest.raises(SmtpError, match=r"TLS with the SMTP server .* failed: CERTIFICATE_VERIFY_FAILED"):
        send_messages(messages, SmtpSettings(**base, starttls=True), sender="s@example.com", password=password)
    assert smtp_starttls_server.received == []
    sent = send_messages(messages, SmtpSettings(**base, starttls=True, ca_file=tls.cert), sender="s@example.com",
                         password=password, per_minute=6000)
    assert len(sent) == 2 and [r.recipients for r in smtp_starttls_server.received] == [["dave@example.com"],
                                                                                        ["bob@example.com"]]


def test_a_cli_user_with_only_a_security_key_is_told_the_cli_needs_a_code_device() -> None:
    users = replace(replace(all_ready(), PROD, "bob-cli", device_kinds=("fido",)), STAGING, "dave", mfa=False)
    pilot = _pilot(users)
    messages = render_messages(plan_notifications(pilot, []), pilot, NotifySettings(), today=TODAY)
    bob = next(m for m in messages if m.person == "bob")
    assert ("user bob-cli, cli-only; it has only a security key, which the AWS CLI and API cannot use" in bob.body)
    dave = next(m for m in messages if m.person == "dave")
    assert "security key, which the AWS CLI" not in dave.body


def test_a_login_over_an_unencrypted_connection_to_another_host_is_refused_before_connecting() -> None:
    from mfaguard.rollout.smtp import check_transport

    # Pure check, run by send_messages before it opens any connection (so no test contacts a remote host).
    remote = SmtpSettings(host="192.0.2.1", port=25, username="mailer")
    with pytest.raises(SmtpError, match=r"refusing to send the SMTP password of mailer to 192\.0\.2\.1:25") as info:
        check_transport(remote)
    assert "starttls = true" in info.value.hint and "nothing was sent" in str(info.value)
    for ok in (SmtpSettings(host="smtp.example.com", username="mailer", starttls=True),
               SmtpSettings(host="smtp.example.com", username="mailer", ssl=True),
               SmtpSettings(host="smtp.example.com"),  # no login, no password on the wire
               SmtpSettings(host="127.0.0.1", username="mailer"), SmtpSettings(host="localhost", username="mailer"),
               SmtpSettings(host="::1", username="mailer")):
        check_transport(ok)


def test_people_whose_accounts_were_not_audited_are_not_told_they_lack_mfa() -> None:
    from mfaguard.model import AccountError
    from mfaguard.rollout.output import notify_summary

    loaded = roster()
    failed = (AccountError(STAGING.id, "assume_role", "AccessDenied", "no"),)
    # dave's only user is in staging, whose audit failed; bob lacks MFA in prod, which was audited.
    pilot = assess_waves(loaded.roster, parse_waves(loaded),
                         snapshot(replace(all_ready(), PROD, "bob", mfa=False), errors=failed))[1]
    assert pilot.person("dave").status == "blocked"  # still blocks the advance
    plan = plan_notifications(pilot, [])
    assert [p.person for p in plan.to_send] == ["bob"] and plan.unknown == ("dave",)
    assert "missing from the latest audit (run `mfaguard audit` again): dave" in notify_summary(plan, 1, dry_run=False)
