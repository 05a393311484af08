"""Roster validation: every error names file:line, the field and what to do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mfaguard.errors import InputError
from mfaguard.roster.load import RosterInvalid, guess_indent, load_roster, parse_roster

GOOD = """\
version: 1
defaults:
  pgp_key: keybase:security
teams:
  sre: {access: admin}
  payments: {}
accounts:
  prod: {id: "123456789012"}
people:
  - id: alice
    name: Alice Smith
    email: alice@example.com
    team: sre
    accounts:
      prod: {console: true}
  - id: bob
    team: payments
    access: developer
    enforcement: enforced
    accounts:
      prod:
        - {user: bob}
        - {user: bob-cli, cli: true}
"""


def _error(text: str, tmp_path: Path) -> InputError:
    path = tmp_path / "roster.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_roster(path)
    return info.value


def test_good_roster_loads_with_levels_and_groups(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(GOOD)
    roster = load_roster(path).roster
    alice, bob = roster.people
    assert roster.level_of(alice) == "admin"  # from the team
    assert roster.level_of(bob) == "developer"
    assert [bob.user_name(u) for u in bob.users("prod")] == ["bob", "bob-cli"]
    assert roster.group_of("prod", "admin") == "AdminMFAGroup"
    assert roster.pgp_key_of(alice) == "keybase:security"


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: bob\n", "  - id: Alice\n").replace("  - id: alice\n", "  - id: alice\n")
    err = _error(text.replace("id: Alice", "id: alice"), tmp_path)
    assert "duplicate person id 'alice' (first used at line 10)" in str(err)
    assert err.line == 16 and err.field == "people[1].id"
    assert str(tmp_path / "roster.yaml") + ":16" in str(err)


def test_unknown_team_says_which_exist(tmp_path: Path) -> None:
    err = _error(GOOD.replace("team: payments", "team: paymnts"), tmp_path)
    assert err.line == 17 and err.field == "people[1].team"
    assert "unknown team 'paymnts'" in str(err)
    assert "payments, sre" in err.hint


def test_unknown_access_level(tmp_path: Path) -> None:
    err = _error(GOOD.replace("access: developer", "access: superuser"), tmp_path)
    assert "unknown access level 'superuser'" in str(err) and err.line == 18
    assert "admin, developer" in err.hint


def test_unknown_account_and_bad_field_type(tmp_path: Path) -> None:
    err = _error(GOOD.replace("      prod: {console: true}", "      staging: {console: true}"), tmp_path)
    assert "unknown account 'staging'" in str(err) and err.line == 15
    err = _error(GOOD.replace("{console: true}", "{console: maybe}"), tmp_path)
    assert err.field == "people[0].accounts.prod[0].console" and err.line == 15


def test_unknown_field_is_a_typo(tmp_path: Path) -> None:
    err = _error(GOOD.replace("    name: Alice Smith\n", "    nmae: Alice Smith\n"), tmp_path)
    assert "unknown field" in str(err) and err.field == "people[0].nmae" and err.line == 11


def test_account_id_must_be_quoted(tmp_path: Path) -> None:
    err = _error(GOOD.replace('{id: "123456789012"}', "{id: 012345678901}"), tmp_path)
    assert "quote the account id" in str(err) and err.line == 8


def test_names_colliding_as_terraform_keys(tmp_path: Path) -> None:
    text = GOOD.replace("- {user: bob}", "- {user: a.b}").replace("{user: bob-cli, cli: true}", "{user: a=b}")
    err = _error(text, tmp_path)
    assert "collide as Terraform key 'a_b'" in str(err)
    assert "key: a_b_2" in err.hint
    # An explicit key resolves it.
    load = tmp_path / "ok.yaml"
    load.write_text(text.replace("{user: a=b}", "{user: a=b, key: a_b_2}"))
    assert load_roster(load).roster.people[1].users("prod")[1].key == "a_b_2"


def test_same_iam_user_twice(tmp_path: Path) -> None:
    err = _error(GOOD.replace("{user: bob-cli, cli: true}", "{user: alice}"), tmp_path)
    assert "IAM user 'alice' in account 'prod' is also listed for 'alice'" in str(err)


def test_missing_pgp_key_file(tmp_path: Path) -> None:
    err = _error(GOOD.replace("keybase:security", "keys/security.asc"), tmp_path)
    assert "PGP key file 'keys/security.asc' not found" in str(err) and err.line == 3
    assert "gpg --export" in err.hint


def test_pgp_key_needed_for_console_or_cli(tmp_path: Path) -> None:
    err = _error(GOOD.replace("defaults:\n  pgp_key: keybase:security\n", ""), tmp_path)
    assert "'alice' has console or CLI access but no PGP key" in str(err)
    assert "--pgp-key" in str(err)
    assert isinstance(err, RosterInvalid) and len(err.problems) == 2  # alice and bob


def test_armored_and_base64_pgp_files(tmp_path: Path) -> None:
    import base64

    material = base64.b64encode(bytes(range(256))).decode()
    armored = (
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n"
        + "\n".join(material[i : i + 64] for i in range(0, len(material), 64))
        + "\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n"
    )
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "sec.asc").write_text(armored)
    (tmp_path / "keys" / "sec.gpg").write_bytes(b"\x99" + bytes(100))
    path = tmp_path / "roster.yaml"
    path.write_text(GOOD.replace("keybase:security", "keys/sec.asc"))
    roster = load_roster(path).roster
    assert roster.pgp_key_of(roster.people[0]) == material
    path.write_text(GOOD.replace("keybase:security", "keys/sec.gpg"))
    roster = load_roster(path).roster
    assert base64.b64decode(roster.pgp_key_of(roster.people[0]) or "") == b"\x99" + bytes(100)
    (tmp_path / "keys" / "priv.asc").write_text("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxx\n")
    path.write_text(GOOD.replace("keybase:security", "keys/priv.asc"))
    with pytest.raises(InputError, match="PRIVATE key"):
        load_roster(path)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    err = _error(GOOD.replace("  sre: {access: admin}", "  sre: {access: admin"), tmp_path)
    assert "not valid YAML" in str(err) and err.line is not None and 5 <= err.line <= 7


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="roster file not found"):
        load_roster(tmp_path / "nope.yaml")


def test_waves_are_kept_for_the_rollout(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(GOOD + "waves:\n  - name: sre-first\n    teams: [sre]\n")
    assert load_roster(path).roster.waves == [{"name": "sre-first", "teams": ["sre"]}]


@pytest.mark.parametrize(
    ("text", "indent"),
    [
        ("a:\n  b: 1\nc:\n  - x: 1\n", (2, 4, 2)),
        ("a:\n    b: 1\nc:\n-   x: 1\n", (4, 4, 0)),
        ("a:\n  b: 1\nc:\n- x: 1\n", (2, 2, 0)),
    ],
)
def test_indentation_is_detected(text: str, indent: tuple[int, int, int]) -> None:
    assert guess_indent(text) == indent


def test_round_trip_keeps_comments_order_and_style() -> None:
    text = "# who may touch prod\nversion: 1\npeople: []   # none yet\nteams:\n    sre: {}  # the SRE team\n"
    loaded = parse_roster(text, "r.yaml")
    assert loaded.dump() == text


def test_roster_settings_from_config() -> None:
    from mfaguard.config import parse_config
    from mfaguard.errors import ConfigError
    from mfaguard.roster.settings import roster_settings

    config = parse_config('[roster]\npath = "people.yaml"\nbackend_bucket = "state"\n')
    settings = roster_settings(config.extra)
    assert settings.path == "people.yaml" and settings.backend_bucket == "state"
    assert settings.terraform_dir == "terraform/accounts"
    with pytest.raises(ConfigError, match=r"roster\.pth.*unknown setting"):
        roster_settings(parse_config('[roster]\npth = "x"\n').extra)


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("name: Alice Smith", "name: Alice O'Smith", "people[0].name", "cannot be the `person` tag"),
        ("email: alice@example.com", "email: al!ce@example.com", "people[0].email", "cannot be the `email` tag"),
        ("{console: true}", "{console: true, tags: {cost: 'a,b'}}", "people[0].accounts.prod[0].tags",
         "cannot be the value of tag 'cost'"),
        ("{console: true}", "{console: true, tags: {'aws:x': y}}", "people[0].accounts.prod[0].tags",
         "'aws:x' is not an IAM tag key"),
    ],
)
def test_tag_values_iam_refuses(tmp_path: Path, old: str, new: str, field: str, message: str) -> None:
    # IAM would refuse them at apply time; the roster says so with the line.
    err = _error(GOOD.replace(old, new), tmp_path)
    assert message in str(err) and err.field == field and err.line is not None
    assert "letters, digits, spaces and _ . : / = + - @" in str(err)


def test_an_impossible_date_is_an_error_with_its_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mfaguard.errors import InputError
    from mfaguard.roster.load import parse_roster

    text = "version: 1\npeople: []\nwaves:\n  - name: pilot\n    teams: []\n    target_date: 2026-13-01\n"
    with pytest.raises(InputError) as info:
        parse_roster(text, tmp_path / "roster.yaml")
    assert info.value.line == 6 and "not a valid date" in str(info.value)
