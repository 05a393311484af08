"""The `mfaguard rollout` commands on a roster, a SQLite store with audit snapshots, and a real SMTP server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from mfaguard.cli import main
from mfaguard.model import Snapshot, utcnow
from mfaguard.rollout.log import RolloutLog
from mfaguard.roster.load import load_roster
from mfaguard.store import open_store
from tests.rollout.conftest import SmtpSink
from tests.rollout.factory import PROD, ROSTER, STAGING, all_ready, replace, snapshot
from tests.support.ports import free_port


@dataclass
class Workspace:
    root: Path
    store: Path
    config: Path

    def save(self, snap: Snapshot) -> None:
        with open_store(self.store) as st:
            st.save(snap)

    def log(self) -> RolloutLog:
        return RolloutLog(open_store(self.store))

    @property
    def roster(self) -> Path:
        return self.root / "roster.yaml"


def _config(smtp_port: int, extra: str = "") -> str:
    return f"""\
[store]
url = "store.db"

[roster]
path = "roster.yaml"
terraform_dir = "tf"

[rollout]
max_snapshot_age_hours = 12

[notify]
from = "Platform Security <security@example.com>"
docs_url = "https://wiki.example.com/mfa"
rate_per_minute = 6000

[smtp]
host = "127.0.0.1"
port = {smtp_port}
timeout_s = 2
{extra}"""


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MFAGUARD_ACTOR", "ops-bot")
    (tmp_path / "roster.yaml").write_text(ROSTER)
    config = tmp_path / "mfaguard.toml"
    config.write_text(_config(free_port()))
    return Workspace(tmp_path, tmp_path / "store.db", config)


def run(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0, verbose: bool = False) -> tuple[str, str]:
    with pytest.raises(SystemExit) as info:
        main([*(["-vv"] if verbose else []), "rollout", *args])
    out, err = capsys.readouterr()
    assert (info.value.code or 0) == code, out + err
    return out, err


def _recent(users, hours: float = 1, sid: str = "s1"):  # type: ignore[no-untyped-def]
    return snapshot(users, taken_at=utcnow() - timedelta(hours=hours), sid=sid)


def _unready():  # type: ignore[no-untyped-def]
    return replace(replace(all_ready(), PROD, "bob", mfa=False), STAGING, "dave", mfa=False)


# -- plan / status --------------------------------------------------------------------------------------


def test_plan_shows_members_and_readiness(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.save(_recent(_unready()))
    out, _ = run(capsys, "plan")
    assert "audit snapshot s1" in out
    assert "wave 1/3 sre, due 2026-03-15: READY (2 people: 1 enforced, 1 ready)" in out
    assert "wave 2/3 pilot, due 2026-04-01: BLOCKED (3 people: 1 ready, 2 blocked)" in out
    bob = next(line for line in out.splitlines() if line.strip().startswith("bob "))
    assert "console+cli" in bob and "1/2" in bob and "blocked" in bob and "prod/bob: no MFA device (console)" in bob
    assert "consolidate into one" in bob
    out, _ = run(capsys, "plan", "--wave", "pilot")
    assert "wave 2/3 pilot, due 2026-04-01: BLOCKED" in out and "sre" not in out  # its place among all waves
    data = json.loads(run(capsys, "plan", "--wave", "pilot", "--format", "json")[0])
    assert [w["name"] for w in data["waves"]] == ["pilot"]
    assert [(m["person"], m["status"]) for m in data["waves"][0]["members"]] == [
        ("dave", "blocked"), ("bob", "blocked"), ("carol", "ready")]


def test_unknown_wave_is_a_usage_error(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    _, err = run(capsys, "plan", "--wave", "nope", code=2)
    assert "no wave named 'nope'" in err and "use one of: sre, pilot, everyone" in err
    _, err = run(capsys, "advance", "--wave", "nope", code=2)
    assert "no wave named 'nope'" in err


def test_a_wave_naming_unknown_people_or_teams_is_refused_with_its_line(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    text = ROSTER.replace("people: [dave]", "people: [dave, zoe]").replace("teams: [web]", "teams: [webb]")
    ws.roster.write_text(text)
    _, err = run(capsys, "plan", code=2)
    assert "roster.yaml:58: field 'waves[1].teams[0]': unknown team 'webb' in wave 'pilot'" in err
    assert "roster.yaml:59: field 'waves[1].people[1]': unknown person 'zoe' in wave 'pilot'" in err


def test_bad_rollout_settings_name_the_field(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.config.write_text(_config(25).replace("max_snapshot_age_hours = 12", "max_snapshot_age = 12"))
    _, err = run(capsys, "plan", code=2)
    assert "mfaguard.toml:9: field 'rollout.max_snapshot_age': unknown setting" in err
    ws.config.write_text(_config(25).replace("port = 25", 'port = "smtp"'))
    _, err = run(capsys, "plan", code=2)
    assert "field 'smtp.port'" in err


def test_status_shows_waves_teams_trend_and_actions(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.save(_recent(replace(_unready(), PROD, "carol", mfa=False), hours=5, sid="s0"))
    ws.save(_recent(_unready(), hours=3, sid="s1"))
    ws.save(_recent(all_ready(), hours=1, sid="s2"))
    run(capsys, "advance", "--wave", "sre", "--apply")
    out, _ = run(capsys, "status")
    assert "wave 1/3 sre, due 2026-03-15: ENFORCED (2 people: 2 enforced)" in out
    assert "wave 2/3 pilot, due 2026-04-01: READY (3 people: 3 ready)" in out
    assert "  team web: 2 ready" in out
    assert "members with MFA over the last 3 audit(s): 0/3 -> 1/3 -> 3/3" in out
    assert "ops-bot: advance sre -> applied" in out
    data = json.loads(run(capsys, "status", "--history", "2", "--format", "json")[0])
    pilot = data["waves"][1]
    assert [p["snapshot"] for p in pilot["trend"]] == ["s1", "s2"]
    assert data["actions"][0]["detail"]["people"] == ["alice"]


# -- notify ---------------------------------------------------------------------------------------------


def test_notify_sends_once_records_and_resends_on_request(
    ws: Workspace, capsys: pytest.CaptureFixture[str], smtp_server: SmtpSink
) -> None:
    ws.config.write_text(_config(smtp_server.port))
    ws.save(_recent(_unready()))
    out, _ = run(capsys, "notify", "--wave", "pilot", "--dry-run")
    assert "To: dave@example.com" in out and "To: bob@example.com" in out
    assert "would send 2 message(s)" in out
    assert smtp_server.received == [] and ws.log().notifications() == []

    out, _ = run(capsys, "notify", "--wave", "pilot")
    assert "sent 2 message(s)" in out
    assert sorted(r.recipients[0] for r in smtp_server.received) == ["bob@example.com", "dave@example.com"]
    log = ws.log()
    records = log.notifications("pilot")
    assert [(n.person, n.email, n.snapshot_id) for n in records] == [
        ("dave", "dave@example.com", "s1"), ("bob", "bob@example.com", "s1")]
    assert {n.message_id for n in records} == {r.message["Message-ID"] for r in smtp_server.received}
    action = log.actions()[0]
    assert (action.actor, action.action, action.wave, action.outcome) == ("ops-bot", "notify", "pilot", "sent")

    out, _ = run(capsys, "notify", "--wave", "pilot")
    assert "sent 0 message(s)" in out and "already notified for this wave (use --resend): dave, bob" in out
    assert len(smtp_server.received) == 2
    run(capsys, "notify", "--wave", "pilot", "--resend")
    assert len(smtp_server.received) == 4 and len(ws.log().notifications("pilot")) == 4


def test_notify_with_smtp_down_fails_clearly_and_logs_nothing_as_sent(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    ws.save(_recent(_unready()))
    _, err = run(capsys, "notify", "--wave", "pilot", code=1)
    assert "error: cannot reach the SMTP server 127.0.0.1:" in err and "nothing was sent" in err
    log = ws.log()
    assert log.notifications() == []
    assert [(a.action, a.outcome, a.detail["sent"]) for a in log.actions()] == [("notify", "failed", [])]


def test_a_failure_half_way_keeps_exactly_the_sent_messages_logged(
    ws: Workspace, capsys: pytest.CaptureFixture[str], smtp_server: SmtpSink
) -> None:
    ws.config.write_text(_config(smtp_server.port))
    ws.save(_recent(_unready()))
    smtp_server.reject.add("bob@example.com")  # dave is mailed first, then bob's message fails
    _, err = run(capsys, "notify", "--wave", "pilot", code=1)
    assert "failed on the message to bob@example.com" in err and "1 of 2 message(s) were sent and logged" in err
    log = ws.log()
    assert [n.person for n in log.notifications()] == ["dave"]
    assert [(a.outcome, a.detail["sent"]) for a in log.actions()] == [("failed", ["dave"])]
    # Once the server accepts bob again, a second run mails only him.
    smtp_server.reject.clear()
    out, _ = run(capsys, "notify", "--wave", "pilot")
    assert "sent 1 message(s)" in out and "already notified for this wave (use --resend): dave" in out
    assert [r.recipients for r in smtp_server.received] == [["dave@example.com"], ["bob@example.com"]]


def test_notify_warns_about_an_old_audit(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.save(_recent(_unready(), hours=13))
    out, err = run(capsys, "notify", "--wave", "pilot", "--dry-run")
    assert "warning: the audit snapshot is older than [rollout] max_snapshot_age_hours (12 h)" in err
    assert "would send 2 message(s)" in out
    ws.save(_recent(_unready(), hours=1, sid="s2"))
    assert "warning" not in run(capsys, "notify", "--wave", "pilot", "--dry-run")[1]


def test_notify_needs_an_audit(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    _, err = run(capsys, "notify", "--wave", "pilot", code=1)
    assert "no audit snapshot in the store" in err and "mfaguard audit" in err


def test_the_smtp_password_comes_from_the_environment_and_never_shows(
    ws: Workspace, capsys: pytest.CaptureFixture[str], smtp_auth_server: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.config.write_text(_config(smtp_auth_server.port, 'username = "mailer"\n'))
    ws.save(_recent(_unready()))
    monkeypatch.setenv("MFAGUARD_SMTP_PASSWORD", "wrong-Pw")
    out, err = run(capsys, "notify", "--wave", "pilot", code=1, verbose=True)
    assert "refused the login of mailer (535)" in err and "wrong-Pw" not in out + err
    assert smtp_auth_server.received == [] and ws.log().notifications() == []

    monkeypatch.setenv("MFAGUARD_SMTP_PASSWORD", "s3cr3t-Pw")
    out, err = run(capsys, "notify", "--wave", "pilot", verbose=True)
    assert "sent 2 message(s)" in out and len(smtp_auth_server.received) == 2
    assert "s3cr3t-Pw" not in out + err + json.dumps([a.detail for a in ws.log().actions()])


# -- advance --------------------------------------------------------------------------------------------


def test_advance_refuses_unready_members_listing_reasons(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.save(_recent(_unready()))
    before = ws.roster.read_text()
    out, _ = run(capsys, "advance", "--wave", "pilot", code=1)
    assert "REFUSED:" in out
    assert "dave is not ready: staging/dave: no MFA device (console) [override: --allow-unready --reason]" in out
    assert "bob is not ready: prod/bob: no MFA device (console)" in out
    out, _ = run(capsys, "advance", "--wave", "pilot", "--apply", code=1)
    assert ws.roster.read_text() == before and not (ws.root / "tf").exists()
    action = ws.log().actions()[0]
    assert (action.action, action.outcome) == ("advance", "refused")
    assert len(action.detail["refusals"]) == 2


def test_advance_refuses_an_old_snapshot(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.save(_recent(all_ready(), hours=13))
    out, _ = run(capsys, "advance", "--wave", "pilot", code=1)
    assert "is 13.0 h old, more than the allowed 12 h" in out


def test_advance_dry_run_then_apply_edits_the_roster_keeping_comments_and_renders(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    ws.save(_recent(all_ready()))
    before = ws.roster.read_text()
    out, _ = run(capsys, "advance", "--wave", "pilot")
    assert ws.roster.read_text() == before and ws.log().actions() == []  # a dry run writes and records nothing
    assert "enforce 3 people (dave, bob, carol)" in out
    assert "prod: module.bob.aws_iam_user_group_membership.this[0] will be created (bob: +DeveloperMFAGroup)" in out
    assert "staging: module.dave.aws_iam_user_group_membership.this[0] will be updated" in out
    assert "4 membership change(s) in 2 account(s): prod, staging" in out
    assert "note: earlier wave 'sre' is not fully enforced yet (ready)" in out
    assert "dry run: nothing written" in out and not (ws.root / "tf").exists()

    out, _ = run(capsys, "advance", "--wave", "pilot", "--apply")
    assert "wave pilot: 3 people marked enforced" in out
    text = ws.roster.read_text()
    assert "# the SRE team owns IAM: first wave" in text and "- name: sre   # admins first" in text
    people = {p.id: p.enforcement for p in load_roster(ws.roster).roster.people}
    assert people == {"alice": "pending", "sam": "enforced", "bob": "enforced", "carol": "enforced",
                      "dave": "enforced", "erin": "exempt"}
    users_tf = (ws.root / "tf/prod/users.tf").read_text()
    assert 'module "bob_cli"' in users_tf and '"DeveloperMFAGroup"' in users_tf
    action = ws.log().actions()[0]
    assert (action.actor, action.outcome, action.detail["people"]) == ("ops-bot", "applied", ["dave", "bob", "carol"])

    out, _ = run(capsys, "advance", "--wave", "pilot")
    assert "every member of wave 'pilot' is already enforced or exempt" in out and "no Terraform changes" in out


def test_allow_unready_needs_a_reason_and_records_it(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.save(_recent(_unready()))
    _, err = run(capsys, "advance", "--wave", "pilot", "--allow-unready", "--apply", code=2)
    assert "--allow-unready needs --reason" in err
    out, _ = run(capsys, "advance", "--wave", "pilot", "--allow-unready", "--reason", "contractors leave Friday",
                 "--apply", "--actor", "jane")
    assert "enforced although not ready (override):" in out and "dave is not ready" in out
    action = ws.log().actions()[0]
    assert (action.actor, action.outcome) == ("jane", "applied-with-override")
    assert action.reason == "contractors leave Friday"
    assert action.detail["overridden"] == ["dave", "bob"]


def test_advance_refuses_to_leave_an_account_without_an_mfa_admin(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    ws.save(_recent(replace(all_ready(), STAGING, "alice", mfa=False)))
    out, _ = run(capsys, "advance", "--wave", "pilot", code=1)
    assert "account staging (222222222222) would have no administrator holding MFA (admins: alice)" in out
    assert "override" not in out.split("administrator holding MFA")[1].splitlines()[0]


def test_advance_notes_roster_edits_that_were_never_rendered(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.save(_recent(all_ready()))
    run(capsys, "advance", "--wave", "sre", "--apply")
    out, _ = run(capsys, "advance", "--wave", "pilot")
    assert "not up to date" not in out
    # Someone marks erin enforced by hand and does not render: advancing pilot would write that too.
    ws.roster.write_text(ws.roster.read_text().replace("enforcement: exempt", "enforcement: enforced"))
    out, _ = run(capsys, "advance", "--wave", "pilot")
    assert "note: the Terraform in tf is not up to date with the roster even before this wave (tf/staging/users.tf)" \
        in out
