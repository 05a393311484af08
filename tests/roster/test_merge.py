"""Merging live IAM users into the roster: sensible new people, hand-written entries untouched."""

from __future__ import annotations

import pytest

from mfaguard.errors import InputError
from mfaguard.roster.live import LiveAccessKey, LiveSshKey, LiveUser
from mfaguard.roster.load import parse_roster
from mfaguard.roster.merge import merge_account, person_id_for
from mfaguard.terraform_render.imports import import_blocks
from mfaguard.terraform_render.render import render
from tests.roster.conftest import ssh_key

HAND_WRITTEN = """\
# Our people. Keep sorted by team.
version: 1
defaults:
  pgp_key: keybase:security   # the security team's key
teams:
  sre: {access: admin}  # dogfoods first
accounts:
  prod: {id: "123456789012"}
people:
  # Carol runs the on-call rotation.
  - id: carol
    name: Carol King
    email: carol@example.com
    team: sre
    accounts:
      prod: {user: carol.k, console: true}   # YubiKey user
"""

LIVE = [
    LiveUser("carol.k", login_profile=True, groups=("Ops",)),  # already in the roster: left alone
    LiveUser("Alice", tags=(("team", "payments"), ("email", "alice@example.com"), ("person", "Alice A"))),
    LiveUser("alice", tags=(("team", "payments"), ("cost-center", "42")), groups=("DeveloperMFAGroup", "g1"),
             access_keys=(LiveAccessKey("AKIA1", "Inactive"),)),
    LiveUser("first.last+ops@example.com", path="/eng/", tags=(("email", "not-an-email"),),
             ssh_keys=(LiveSshKey("APKA1", ssh_key(3) + " me@host"),)),
    LiveUser("a=b", login_profile=True, groups=("AdminMFAGroup",)),
]


def _merge(text: str, live: list[LiveUser], account: str = "prod", account_id: str = "123456789012"):  # type: ignore[no-untyped-def]
    loaded = parse_roster(text, "roster.yaml")
    result = merge_account(loaded.doc, loaded.roster, account, account_id, live)
    return result, loaded.dump()


def test_person_ids() -> None:
    assert person_id_for("first.last+ops@example.com", []) == "first.last-ops"
    assert person_id_for("Alice", ["alice"]) == "alice-2"
    assert person_id_for("a=b", ["a-b", "a-b-2"]) == "a-b-3"
    assert person_id_for("+++", []) == "user"


def test_merge_adds_new_people_and_keeps_hand_written_text() -> None:
    result, text = _merge(HAND_WRITTEN, LIVE)
    assert result.already == ["carol.k"]
    assert sorted(result.new_people) == ["a-b", "alice", "alice-2", "first.last-ops"]
    # Everything written by hand is still there, comments included, in order.
    lines = text.splitlines()
    positions = [lines.index(line) for line in HAND_WRITTEN.splitlines()]
    assert positions == sorted(positions)
    assert "prod: {user: carol.k, console: true}   # YubiKey user" in text
    roster = parse_roster(text, "roster.yaml").roster
    people = {p.id: p for p in roster.people}
    # `alice` (its own slug) gets the plain id and key; `Alice` the suffixed ones.
    assert people["alice"].users("prod")[0].key is None
    assert people["alice-2"].users("prod")[0].key == "alice_2"
    assert people["alice-2"].users("prod")[0].user == "Alice"
    assert people["alice-2"].name == "Alice A" and people["alice-2"].email == "alice@example.com"
    assert people["alice"].team == "payments" and "payments" in roster.teams
    # Level from the enforcement group the user is in; other groups stay as extra groups.
    assert people["alice"].enforcement == "enforced" and roster.level_of(people["alice"]) == "developer"
    assert people["alice"].users("prod")[0].groups == ["g1"]
    assert people["a-b"].access == "admin" and people["a-b"].enforcement == "enforced"
    assert people["alice"].users("prod")[0].access_key_status == "Inactive"
    assert people["alice"].users("prod")[0].tags == {"cost-center": "42"}
    odd = people["first.last-ops"]
    assert odd.team == "unassigned" and odd.email is None
    assert odd.users("prod")[0].tags == {"email": "not-an-email"}  # kept as a plain tag
    assert odd.users("prod")[0].path == "/eng/"
    assert odd.users("prod")[0].ssh_keys == [ssh_key(3)]


def test_merged_roster_renders_what_is_live() -> None:
    _, text = _merge(HAND_WRITTEN, LIVE)
    roster = parse_roster(text, "roster.yaml").roster
    users = render(roster)["prod/users.tf"]
    alice = users[users.index('module "alice"') :].split("\n}\n")[0]
    # Tags exactly as live: team from its tag, no email/person tags invented.
    assert 'team              = "payments"' in alice and "email" not in alice and "person " not in alice
    assert '"cost-center" = "42"' in alice
    assert 'groups            = ["DeveloperMFAGroup", "g1"]' in alice
    blocks = {b.to for b in import_blocks(roster, "prod", LIVE)}
    assert "module.alice.aws_iam_user_group_membership.this[0]" in blocks
    assert 'module.first_last_ops_example_com.aws_iam_user_ssh_key.this["0"]' in blocks
    assert "module.carol_k.aws_iam_user_login_profile.this[0]" in blocks


def test_merge_is_idempotent() -> None:
    _, once = _merge(HAND_WRITTEN, LIVE)
    result, twice = _merge(once, LIVE)
    assert twice == once
    assert not result.changed and len(result.already) == len(LIVE)


def test_users_join_their_person_across_accounts() -> None:
    _, text = _merge(HAND_WRITTEN, LIVE)
    text = text.replace('  prod: {id: "123456789012"}\n', '  prod: {id: "123456789012"}\n  dev: {id: "210987654321"}\n')
    dev = [LiveUser("carol.k"), LiveUser("al", tags=(("email", "alice@example.com"),)), LiveUser("new")]
    result, merged = _merge(text, dev, "dev", "210987654321")
    assert sorted(result.attached) == [("alice-2", "al"), ("carol", "carol.k")]
    assert result.new_people == ["new"]
    roster = parse_roster(merged, "roster.yaml").roster
    people = {p.id: p for p in roster.people}
    assert people["carol"].users("dev")[0].user == "carol.k"
    assert people["alice-2"].users("dev")[0].user == "al"


def test_new_account_and_backend() -> None:
    result, text = _merge(HAND_WRITTEN, [], "staging", "000000000042")
    assert result.new_account
    assert 'staging:\n    id: "000000000042"' in text
    loaded = parse_roster(text, "roster.yaml")
    result = merge_account(loaded.doc, loaded.roster, "staging", "000000000042", [],
                           backend={"bucket": "b", "key": "k", "region": "us-east-1"})
    assert parse_roster(loaded.dump(), "r.yaml").roster.accounts["staging"].backend.bucket == "b"  # type: ignore[union-attr]


def test_run_import_over_accounts_in_either_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mfaguard.model import Account
    from mfaguard.roster.importer import run_import
    from mfaguard.roster.load import load_roster

    live = {
        "111111111111": [LiveUser("dave", tags=(("email", "dave@example.com"),)), LiveUser("carol")],
        "222222222222": [LiveUser("dave.cli", tags=(("email", "dave@example.com"),)), LiveUser("carol")],
    }
    for order in (["111111111111", "222222222222"], ["222222222222", "111111111111"]):
        out = tmp_path / order[0]
        accounts = [Account(id=i, name=f"a{i[0]}") for i in order]
        report = run_import(out / "roster.yaml", out / "tf", accounts, lambda a: live[a.id])
        assert [len(m.new_people) for m in report.merges] == [2, 0]
        assert [len(m.attached) for m in report.merges] == [0, 2]
        roster = load_roster(out / "roster.yaml").roster
        dave = next(p for p in roster.people if p.email == "dave@example.com")
        assert sorted(dave.user_name(u) for a in ("a1", "a2") for u in dave.users(a)) == ["dave", "dave.cli"]
        assert sorted(p.name for p in (out / "tf").iterdir()) == ["a1", "a2"]


def test_a_user_lacking_the_persons_groups_or_keys_does_not_join_them() -> None:
    # Joining carol (enforced admin, a person-wide SSH key) would put these users in AdminMFAGroup or
    # give them the key: the plan would grant access instead of only importing.
    carol = f"    team: sre\n    enforcement: enforced\n    ssh_keys: ['{ssh_key(5)}']\n"
    text = HAND_WRITTEN.replace("    team: sre\n", carol)
    text = text.replace('  prod: {id: "123456789012"}\n', '  prod: {id: "123456789012"}\n  dev: {id: "210987654321"}\n')
    live = [
        LiveUser("carol-dev", tags=(("email", "CAROL@example.com"),)),  # same email, no group, no key
        LiveUser("carol.k", groups=("AdminMFAGroup",)),  # same name as in prod, in the group, but no key
        LiveUser("ck", tags=(("email", "carol@example.com"),), groups=("AdminMFAGroup",),
                 ssh_keys=(LiveSshKey("APKA5", ssh_key(5) + " c@h"),)),  # has both: joins
    ]
    result, merged = _merge(text, live, "dev", "210987654321")
    assert sorted(result.not_joined) == [("carol", "carol-dev"), ("carol", "carol.k")]
    assert result.attached == [("carol", "ck")]
    roster = parse_roster(merged, "roster.yaml").roster
    users = render(roster)["dev/users.tf"]
    blocks = {k: users[users.index(f'module "{k}"') :].split("\n}\n")[0] for k in ("carol_dev", "carol_k", "ck")}
    # Rendered exactly as live: no group for carol-dev, no key for carol.k.
    assert "groups" not in blocks["carol_dev"] and "ssh_public_keys" not in blocks["carol_dev"]
    assert 'groups = ["AdminMFAGroup"]' in blocks["carol_k"] and "ssh_public_keys" not in blocks["carol_k"]
    assert '"AdminMFAGroup"' in blocks["ck"] and ssh_key(5) in blocks["ck"]
    assert {b.to for b in import_blocks(roster, "dev", live)} >= {
        "module.ck.aws_iam_user_group_membership.this[0]", 'module.ck.aws_iam_user_ssh_key.this["0"]'}


def test_new_person_is_enforced_only_when_already_in_the_team_group() -> None:
    text = HAND_WRITTEN.replace("  sre: {access: admin}", "  sre: {access: admin, group: SreMFAGroup}")
    live = [
        LiveUser("ann", tags=(("team", "sre"),), groups=("AdminMFAGroup",)),  # not in SreMFAGroup
        LiveUser("ben", tags=(("team", "sre"),), groups=("AdminMFAGroup", "SreMFAGroup")),
    ]
    _, merged = _merge(text, live)
    roster = parse_roster(merged, "roster.yaml").roster
    people = {p.id: p for p in roster.people}
    assert people["ann"].enforcement == "pending" and people["ann"].users("prod")[0].groups == ["AdminMFAGroup"]
    assert people["ben"].enforcement == "enforced" and people["ben"].users("prod")[0].groups == []
    users = render(roster)["prod/users.tf"]
    ann = users[users.index('module "ann"') :].split("\n}\n")[0]
    assert "SreMFAGroup" not in ann


def test_permissions_boundary_is_kept() -> None:
    # Rendered without it, the plan would remove the boundary: more permissions, not an import.
    arn = "arn:aws:iam::123456789012:policy/Boundary"
    _, merged = _merge(HAND_WRITTEN, [LiveUser("bounded", permissions_boundary=arn)])
    roster = parse_roster(merged, "roster.yaml").roster
    assert next(p for p in roster.people if p.id == "bounded").users("prod")[0].permissions_boundary == arn
    assert f'permissions_boundary = "{arn}"' in render(roster)["prod/users.tf"]
    bad = merged.replace(arn, "Boundary")
    with pytest.raises(InputError, match="not a valid policy ARN"):
        parse_roster(bad, "roster.yaml")


def test_appended_entries_go_before_the_comments_that_follow_a_section() -> None:
    text = """\
version: 1
teams:
  sre:
    access: admin
    # about sre

# Accounts we manage
accounts:
  prod: {id: "123456789012"}

people:
  - id: carol
    team: sre
    accounts:
      prod: {user: carol.k}   # YubiKey
# end of people
"""
    _, merged = _merge(text, [LiveUser("dan", tags=(("team", "ops"),)), LiveUser("carol.k")])
    assert merged == text.replace("    # about sre\n", "    # about sre\n  ops: {}\n").replace(
        "# end of people\n",
        "  - id: dan\n    team: ops\n    enforcement: pending\n    accounts:\n      prod: {}\n# end of people\n",
    )
