"""The issue's scenario end to end: ~50 live users -> import -> real Terraform and AWS provider on moto.

Few Terraform runs on purpose (init, plan, apply, plan, init, plan): each one costs seconds on a shared machine.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from mfaguard.cli import main
from mfaguard.roster.load import load_roster
from mfaguard.sandbox.server import Emulator
from tests.roster.conftest import IAM_USER_MODULE, moto_override, populate, ssh_key

pytestmark = [pytest.mark.terraform, pytest.mark.integration, pytest.mark.slow]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    assert info.value.code in (0, None), err
    return out


def test_import_plan_apply_then_add_and_remove_people(
    moto: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    terraform_for: Callable[[Path], Any],
) -> None:
    monkeypatch.chdir(tmp_path)
    # The layout of an infrastructure repository: the module next to the generated accounts.
    shutil.copytree(IAM_USER_MODULE, tmp_path / "terraform/modules/iam-user", ignore=shutil.ignore_patterns("tests"))
    (tmp_path / "roster.yaml").write_text('version: 1\naccounts:\n  prod: {id: "123456789012"}\n')
    iam = boto3.client("iam", **moto.client_kwargs())
    objects = populate(iam, 50)
    expected = sum(objects.values())

    out = run(capsys, "import", "--endpoint-url", moto.url, "--pgp-key", "keybase:security",
              "--backend-bucket", "tfstate", "--create-backend")
    assert "created s3://tfstate" in out and f"{expected} import blocks" in out
    workdir = tmp_path / "terraform/accounts/prod"
    (workdir / "moto_override.tf").write_text(moto_override(moto.url, "tfstate", "mfaguard/users/prod.tfstate"))
    tf = terraform_for(workdir)
    tf.init()

    plan = tf.plan(out=tmp_path / "import.tfplan")
    summary = re.search(r"Plan: .*", plan.stdout)
    assert summary and summary.group(0) == f"Plan: {expected} to import, 0 to add, 0 to change, 0 to destroy."
    tf.apply(tmp_path / "import.tfplan")
    assert not tf.plan().changes

    # Re-import with the state readable: nothing left to import, no duplicate roster entries.
    roster_before = (tmp_path / "roster.yaml").read_text()
    out = run(capsys, "import", "--endpoint-url", moto.url, "--backend-bucket", "tfstate")
    assert f"0 import blocks ({expected} already in state)" in out
    assert "deleted terraform/accounts/prod/imports.tf" in out
    assert (tmp_path / "roster.yaml").read_text() == roster_before
    assert not (workdir / "imports.tf").exists()

    # Add one person, remove another: exactly their resources change.
    text = roster_before
    start = text.index("  - id: a-b\n")
    end = text.index("  - id: ", start + 1)
    removed = load_roster(tmp_path / "roster.yaml").roster.people
    gone = next(p for p in removed if p.id == "a-b")
    text = text[:start] + text[end:] + (
        "  - id: zoe\n    name: Zoe New\n    team: sre\n    enforcement: enforced\n"
        f"    ssh_keys: ['{ssh_key(7)}']\n    accounts:\n      prod: {{groups: [ops]}}\n"
    )
    (tmp_path / "roster.yaml").write_text(text)
    run(capsys, "render")
    tf.init()  # a new module block: init installs it (CI runs init anyway)
    tf.plan(out=tmp_path / "change.tfplan")
    changes = tf.show_json(tmp_path / "change.tfplan")["resource_changes"]
    actions = {c["address"]: c["change"]["actions"] for c in changes if c["change"]["actions"] != ["no-op"]}
    assert actions == {
        "module.zoe.aws_iam_user.this": ["create"],
        'module.zoe.aws_iam_user_ssh_key.this["0"]': ["create"],
        "module.zoe.aws_iam_user_group_membership.this[0]": ["create"],
        **{a: ["delete"] for a in _addresses_of(gone.users("prod")[0], "a_b")},
    }


def _addresses_of(user: Any, key: str) -> list[str]:
    # a=b is user #1 of populate(): no console (odd), no key (1 % 3), groups: DeveloperMFAGroup and ops.
    assert not user.console and not user.cli
    return [f"module.{key}.aws_iam_user.this", f"module.{key}.aws_iam_user_group_membership.this[0]"]
