"""The issue's scenario end to end on a moto organization, with real SMTP and real Terraform.

audit -> plan -> notify (aiosmtpd) -> advance refused (a member without MFA) -> the member enables MFA with
real TOTP codes -> re-audit -> advance succeeds -> render -> `terraform plan` shows exactly the membership
changes. The IAM users are brought under Terraform first with `mfaguard import`, as a real team would.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pyotp
import pytest

from mfaguard.audit import run_audit
from mfaguard.cli import main
from mfaguard.roster.load import load_roster
from mfaguard.store import open_store
from tests.rollout.conftest import SmtpSink
from tests.roster.conftest import IAM_USER_MODULE, moto_override
from tests.support.awsorg import Org, admin_group, enforcement_group

pytestmark = [pytest.mark.terraform, pytest.mark.integration, pytest.mark.slow]

WAVES = """\
# Rollout: SRE first, then everyone else.
waves:
  - name: sre
    teams: [sre]
    target_date: 2027-01-15
  - name: web
    teams: [web]
"""


def run(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> str:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    assert (info.value.code or 0) == code, out + err
    return out + err


def _user(iam: Any, name: str, team: str, *, console: bool = False, keys: int = 0, groups: tuple[str, ...] = (),
          mfa: bool = False) -> None:
    iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": team},
                                         {"Key": "email", "Value": f"{name}@example.com"}])
    if console:
        iam.create_login_profile(UserName=name, Password="Initial-Passw0rd!")
    for _ in range(keys):
        iam.create_access_key(UserName=name)
    for group in groups:
        iam.add_user_to_group(GroupName=group, UserName=name)
    if mfa:
        enable_totp(iam, name)


def enable_totp(iam: Any, name: str) -> None:
    """What a person does in the console: create a virtual device, then give two consecutive codes."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    totp = pyotp.TOTP(seed.decode() if isinstance(seed, bytes) else seed)
    now = time.time()
    iam.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))


def _audit(org: Org, store: Path) -> str:
    snapshot = run_audit(org.config()).snapshot
    assert not snapshot.errors
    with open_store(store) as st:
        st.save(snapshot)
    return snapshot.id


def test_audit_plan_notify_refuse_enable_mfa_advance_render_plan(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    smtp_server: SmtpSink, terraform_for: Any,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MFAGUARD_ACTOR", "platform-ci")
    shutil.copytree(IAM_USER_MODULE, tmp_path / "terraform/modules/iam-user", ignore=shutil.ignore_patterns("tests"))
    (tmp_path / "mfaguard.toml").write_text(f"""\
[store]
url = "store.db"

[notify]
from = "Platform <platform@example.com>"
docs_url = "https://wiki.example.com/mfa"

[smtp]
host = "127.0.0.1"
port = {smtp_server.port}
""")
    (tmp_path / "roster.yaml").write_text(f'version: 1\naccounts:\n  main: {{id: "{org.management}"}}\n')
    iam = org.iam(org.management)
    enforcement_group(iam, "DeveloperMFAGroup")
    enforcement_group(iam, "AdminMFAGroup")
    admins = admin_group(iam, "Admins")
    _user(iam, "ann", "sre", console=True, groups=(admins,), mfa=True)  # the admin who can help
    _user(iam, "bob", "sre", console=True)  # no MFA yet
    _user(iam, "cat", "web", keys=1, mfa=True)

    # Bring the users under Terraform: import, then apply the imports.
    run(capsys, "import", "--endpoint-url", org.emulator.url, "--pgp-key", "keybase:security",
        "--backend-bucket", "tfstate", "--create-backend")
    workdir = tmp_path / "terraform/accounts/main"
    (workdir / "moto_override.tf").write_text(moto_override(org.emulator.url, "tfstate", "mfaguard/users/main.tfstate"))
    tf = terraform_for(workdir)
    tf.init()
    tf.apply()
    with (tmp_path / "roster.yaml").open("a") as fh:
        fh.write(WAVES)

    # audit -> plan
    _audit(org, tmp_path / "store.db")
    out = run(capsys, "rollout", "plan")
    assert "wave 1/2 sre, due 2027-01-15: BLOCKED (2 people: 1 ready, 1 blocked)" in out
    assert "main/bob: no MFA device (console)" in out
    assert "wave 2/2 web: READY (1 people: 1 ready)" in out

    # notify: exactly bob, through the real SMTP server
    out = run(capsys, "rollout", "notify", "--wave", "sre")
    assert "sent 1 message(s)" in out
    assert [r.recipients for r in smtp_server.received] == [["bob@example.com"]]
    body = smtp_server.received[0].message.get_payload(decode=True).decode()
    assert f"account main ({org.management}): user bob, console" in body
    assert f"mfa_serial = arn:aws:iam::{org.management}:mfa/bob" in body and "Friday 15 January 2027" in body

    # advance refused while bob has no MFA; nothing written
    roster_before = (tmp_path / "roster.yaml").read_text()
    out = run(capsys, "rollout", "advance", "--wave", "sre", "--apply", code=1)
    assert "bob is not ready: main/bob: no MFA device (console)" in out
    assert (tmp_path / "roster.yaml").read_text() == roster_before

    # bob enables MFA with real TOTP codes; re-audit; advance goes through
    enable_totp(iam, "bob")
    _audit(org, tmp_path / "store.db")
    out = run(capsys, "rollout", "advance", "--wave", "sre", "--apply")
    assert "enforce 2 people (ann, bob)" in out and "REFUSED" not in out
    assert "main: module.bob.aws_iam_user_group_membership.this[0] will be created (bob: +DeveloperMFAGroup)" in out
    assert "main: module.ann.aws_iam_user_group_membership.this[0] will be updated (ann: +DeveloperMFAGroup)" in out
    people = {p.id: p.enforcement for p in load_roster(tmp_path / "roster.yaml").roster.people}
    assert people == {"ann": "enforced", "bob": "enforced", "cat": "pending"}
    assert "# Rollout: SRE first, then everyone else." in (tmp_path / "roster.yaml").read_text()

    # render: advance already rendered, so the Terraform is up to date
    assert "up to date" in run(capsys, "render", "--check")

    # terraform plan: exactly the two membership changes
    tf.plan(out=tmp_path / "advance.tfplan")
    changes = tf.show_json(tmp_path / "advance.tfplan")["resource_changes"]
    actions = {c["address"]: c["change"]["actions"] for c in changes if c["change"]["actions"] != ["no-op"]}
    assert actions == {
        "module.ann.aws_iam_user_group_membership.this[0]": ["update"],
        "module.bob.aws_iam_user_group_membership.this[0]": ["create"],
    }

    out = run(capsys, "rollout", "status")
    assert "wave 1/2 sre, due 2027-01-15: ENFORCED (2 people: 2 enforced)" in out
    assert "members with MFA over the last 2 audit(s): 1/2 -> 2/2" in out
    assert "team sre: 2 enforced; adoption 50% -> 100%" in out
    assert "platform-ci: advance sre -> applied" in out and "platform-ci: advance sre -> refused" in out
    assert "platform-ci: notify sre -> sent" in out
