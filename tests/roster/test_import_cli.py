"""`mfaguard import` and `mfaguard render` against the moto server (no Terraform run here)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from mfaguard.cli import main
from mfaguard.roster.load import load_roster
from mfaguard.sandbox.server import Emulator
from mfaguard.terraform_render.imports import parse_imports
from tests.roster.conftest import populate

pytestmark = pytest.mark.integration

ROSTER = """\
# Managed by the platform team.
version: 1
accounts:
  prod: {id: "123456789012"}   # the main account
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roster.yaml").write_text(ROSTER)
    return tmp_path


def _iam(moto: Emulator) -> object:
    return boto3.client("iam", **moto.client_kwargs())


def test_import_then_reimport_is_idempotent(
    moto: Emulator, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    objects = populate(_iam(moto), 50)
    args = ("import", "--endpoint-url", moto.url, "--pgp-key", "keybase:security", "--backend-bucket", "tfstate")
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "prod: 50 new people" in out and f"{sum(objects.values())} import blocks" in out
    roster = load_roster(workspace / "roster.yaml").roster
    assert len(roster.people) == 50
    text = (workspace / "roster.yaml").read_text()
    assert text.startswith("# Managed by the platform team.\n") and "# the main account" in text
    imports = parse_imports((workspace / "terraform/accounts/prod/imports.tf").read_text())
    assert len(imports) == sum(objects.values())
    assert {i.id for i in imports if i.to.endswith("aws_iam_user.this")} >= {"Alice", "alice", "a=b", "x,y"}
    assert len(re.findall(r'bucket += "tfstate"', (workspace / "terraform/accounts/prod/main.tf").read_text())) == 1
    # Nothing was created in AWS without --create-backend.
    s3 = boto3.client("s3", **moto.client_kwargs())
    assert s3.list_buckets()["Buckets"] == []

    before = _snapshot(workspace)
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "prod: 0 new people, 0 users joined existing people, 50 already in the roster" in out
    assert "wrote" not in out
    assert _snapshot(workspace) == before

    code, out, _ = run(capsys, "render", "--check")
    assert code == 0 and "up to date" in out


def test_dry_run_and_create_backend(moto: Emulator, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    populate(_iam(moto), 8)
    before = _snapshot(workspace)
    base = ("import", "--endpoint-url", moto.url, "--pgp-key", "keybase:security", "--backend-bucket", "tfstate",
            "--lock-table", "tflocks")
    code, out, _ = run(capsys, *base, "--dry-run")
    assert code == 0 and "would write roster.yaml" in out
    assert _snapshot(workspace) == before
    code, out, err = run(capsys, *base, "--create-backend")
    assert code == 0, err
    assert "created s3://tfstate" in out and "created dynamodb table tflocks" in out
    s3 = boto3.client("s3", **moto.client_kwargs())
    assert s3.get_bucket_versioning(Bucket="tfstate")["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket="tfstate")["PublicAccessBlockConfiguration"]["BlockPublicAcls"]
    main_tf = (workspace / "terraform/accounts/prod/main.tf").read_text()
    assert 'dynamodb_table = "tflocks"' in main_tf and 'key            = "mfaguard/users/prod.tfstate"' in main_tf


BAD = {
    "duplicate ids": ("people:\n  - {id: bob, team: sre}\n  - {id: bob, team: sre}\nteams: {sre: {}}\n",
                      "duplicate person id 'bob'"),
    "unknown team": ("people:\n  - {id: bob, team: nope}\nteams: {sre: {}}\n", "unknown team 'nope'"),
    "unknown access level": ("people:\n  - {id: bob, team: sre, access: god}\nteams: {sre: {}}\n",
                             "unknown access level 'god'"),
    "colliding keys": ("people:\n  - id: bob\n    team: sre\n    accounts:\n      prod: [{user: a.b}, {user: a=b}]\n"
                       "teams: {sre: {}}\n", "collide as Terraform key 'a_b'"),
    "missing pgp file": ("defaults: {pgp_key: keys/missing.asc}\n", "PGP key file 'keys/missing.asc' not found"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_writes_nothing(
    case: str, moto: Emulator, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(_iam(moto), 4)
    extra, message = BAD[case]
    (workspace / "roster.yaml").write_text(ROSTER + extra)
    before = _snapshot(workspace)
    for command in (("import", "--endpoint-url", moto.url, "--pgp-key", "keybase:security"), ("render",)):
        code, out, err = run(capsys, *command)
        assert code == 2, (command, out, err)
        assert message in err and "roster.yaml:" in err
        assert _snapshot(workspace) == before


def test_import_without_pgp_key_refuses(moto: Emulator, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    populate(_iam(moto), 4)  # user 0 has a console password and an access key
    before = _snapshot(workspace)
    code, _, err = run(capsys, "import", "--endpoint-url", moto.url)
    assert code == 2 and "no PGP key" in err and "--pgp-key" in err
    assert _snapshot(workspace) == before


def test_render_follows_roster_edits(
    moto: Emulator, workspace: Path, capsys: pytest.CaptureFixture[str], write_roster: Callable[[str], Path]
) -> None:
    populate(_iam(moto), 4)
    assert run(capsys, "import", "--endpoint-url", moto.url, "--pgp-key", "keybase:security")[0] == 0
    roster_path = workspace / "roster.yaml"
    imports_before = parse_imports((workspace / "terraform/accounts/prod/imports.tf").read_text())
    text = roster_path.read_text()
    # Remove the person of user "a=b" and add a new one by hand.
    start = text.index("  - id: a-b\n")
    end = text.index("  - id: ", start + 1)
    text = text[:start] + text[end:] + "  - id: zoe\n    team: sre\n    accounts:\n      prod: {groups: [ops]}\n"
    roster_path.write_text(text)
    code, out, _ = run(capsys, "render", "--check")
    assert code == 1 and "out of date" in out
    code, out, err = run(capsys, "render")
    assert code == 0 and "wrote terraform/accounts/prod/users.tf" in out
    assert "new users in terraform/accounts/prod: run `terraform init` there" in err
    users = (workspace / "terraform/accounts/prod/users.tf").read_text()
    assert 'module "zoe"' in users and 'module "a_b"' not in users
    imports_after = parse_imports((workspace / "terraform/accounts/prod/imports.tf").read_text())
    assert imports_after == [i for i in imports_before if not i.to.startswith("module.a_b.")]
    assert len(imports_after) < len(imports_before)


def test_credential_report_saves_calls_without_changing_the_result(moto: Emulator) -> None:
    from mfaguard.roster.live import read_live_users

    populate(_iam(moto), 24)

    def read(use_report: bool) -> tuple[list[object], int]:
        iam = _iam(moto)
        calls: list[str] = []
        iam.meta.events.register("before-send", lambda **kw: calls.append("x"))  # type: ignore[attr-defined]
        return read_live_users(iam, use_report=use_report), len(calls)  # type: ignore[arg-type]

    exact, exact_calls = read(False)
    guided, guided_calls = read(True)
    assert guided == exact
    assert guided_calls < exact_calls


def test_import_several_accounts_joins_people_across_them(
    moto: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    org = boto3.client("organizations", **moto.client_kwargs())
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="m@example.com", AccountName="member")["CreateAccountStatus"]["AccountId"]
    creds = boto3.client("sts", **moto.client_kwargs()).assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="test")["Credentials"]
    member_iam = boto3.client("iam", **{**moto.client_kwargs(), "aws_access_key_id": creds["AccessKeyId"],
                                        "aws_secret_access_key": creds["SecretAccessKey"],
                                        "aws_session_token": creds["SessionToken"]})
    main_iam = _iam(moto)
    main_iam.create_user(UserName="carol", Tags=[{"Key": "team", "Value": "sre"}])  # type: ignore[attr-defined]
    member_iam.create_user(UserName="carol", Tags=[{"Key": "team", "Value": "sre"}])
    member_iam.create_user(UserName="dave.cli", Tags=[{"Key": "email", "Value": "dave@example.com"}])
    main_iam.create_user(UserName="dave", Tags=[{"Key": "email", "Value": "dave@example.com"}])  # type: ignore[attr-defined]
    (tmp_path / "mfaguard.toml").write_text(
        f'[aws]\nendpoint_url = "{moto.url}"\n\n[accounts]\nsource = "config"\n'
        'role_name = "OrganizationAccountAccessRole"\n\n'
        '[[accounts.list]]\nid = "123456789012"\nname = "main"\n\n'
        f'[[accounts.list]]\nid = "{member}"\nname = "member"\n'
    )
    code, out, err = run(capsys, "import")
    assert code == 0, err
    # Accounts are imported in id order: whichever comes first creates the people, the other joins them.
    first, second = ("main", "member") if member > "123456789012" else ("member", "main")
    assert f"{first}: 2 new people" in out and f"{second}: 0 new people, 2 users joined existing people" in out
    roster = load_roster(tmp_path / "roster.yaml").roster
    assert roster.accounts["member"].id == member
    assert len(roster.people) == 2
    carol = next(p for p in roster.people if p.id == "carol")
    dave = next(p for p in roster.people if p.email == "dave@example.com")
    assert [u.user or carol.id for u in carol.users("main") + carol.users("member")] == ["carol", "carol"]
    assert [dave.user_name(u) for u in dave.users("main") + dave.users("member")] == ["dave", "dave.cli"]
    assert (tmp_path / "terraform/accounts/member/users.tf").exists()
    # Only one account this time: the other's import blocks are kept.
    code, out, _ = run(capsys, "import", "--account", "member")
    assert code == 0 and "member: 0 new people, 0 users joined existing people, 2 already" in out
    assert (tmp_path / "terraform/accounts/main/imports.tf").exists()


def test_account_by_its_roster_name(moto: Emulator, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The roster calls the caller's account `prod`; mfaguard.toml does not name it at all.
    populate(_iam(moto), 4)
    code, out, err = run(capsys, "import", "--endpoint-url", moto.url, "--pgp-key", "keybase:security",
                         "--account", "prod")
    assert code == 0, err
    assert "prod: 7 new people" in out
    code, _, err = run(capsys, "import", "--endpoint-url", moto.url, "--account", "staging")
    assert code == 2 and "no configured account matches staging" in err


def test_create_backend_leaves_an_existing_bucket_alone(
    moto: Emulator, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(_iam(moto), 4)
    s3 = boto3.client("s3", **moto.client_kwargs())
    s3.create_bucket(Bucket="org-state")
    kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k-1"}}]}
    s3.put_bucket_encryption(Bucket="org-state", ServerSideEncryptionConfiguration=kms)
    code, out, err = run(capsys, "import", "--endpoint-url", moto.url, "--pgp-key", "keybase:security",
                         "--backend-bucket", "org-state", "--create-backend")
    assert code == 0, err
    assert "created s3://" not in out
    rules = s3.get_bucket_encryption(Bucket="org-state")["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "Status" not in s3.get_bucket_versioning(Bucket="org-state")
