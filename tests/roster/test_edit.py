"""Edits for the rollout: comments kept, validated, saved with the Terraform all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfaguard.errors import InputError, MfaguardError
from mfaguard.roster import load_roster, save, set_enforcement
from mfaguard.roster.files import write_files

TEXT = """\
version: 1
teams:
    sre: {}     # first wave
accounts:
    prod: {id: "123456789012"}
people:
-   id: ann     # lead
    team: sre
    accounts:
        prod: {}
-   id: ben
    team: sre
    accounts:
        prod: {}
"""


def test_set_enforcement_keeps_style_and_renders(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(TEXT)
    loaded = load_roster(path)
    edited = set_enforcement(loaded, ["ann"], "enforced")
    assert loaded.dump() == TEXT  # the input is not changed
    assert edited.dump() == TEXT.replace("    team: sre\n", "    team: sre\n    enforcement: enforced\n", 1)
    written = save(edited, tmp_path / "tf")
    assert path in written and (tmp_path / "tf/prod/users.tf").exists()
    users = (tmp_path / "tf/prod/users.tf").read_text()
    ann = users[users.index('module "ann"') :].split("\n}\n")[0]
    assert 'groups = ["DeveloperMFAGroup"]' in ann
    assert "groups" not in users[users.index('module "ben"') :]
    with pytest.raises(InputError, match="no such person in the roster: zed"):
        set_enforcement(loaded, ["zed"], "enforced")


def test_write_files_is_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old")
    (tmp_path / "z-file").write_text("a file where a directory is needed")
    with pytest.raises(MfaguardError, match="nothing was changed"):
        # Sorted, a.txt is staged first; the second write fails; a.txt must stay as it was.
        write_files({tmp_path / "a.txt": "new", tmp_path / "z-file" / "b.txt": "x"})
    assert (tmp_path / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "z-file"]  # no temporary files left
    with pytest.raises(UnicodeEncodeError):
        # Not an OSError (as Ctrl-C is not): still nothing changed and no temporary file left.
        write_files({tmp_path / "a.txt": "new", tmp_path / "b.txt": "\ud800"})
    assert (tmp_path / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "z-file"]
    assert write_files({tmp_path / "a.txt": "new", tmp_path / "gone.txt": None}) == [tmp_path / "a.txt"]
    assert write_files({tmp_path / "a.txt": "new"}) == []  # same content: not rewritten


def test_render_deletes_generated_files_of_removed_accounts_only(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    prod = '    prod: {id: "123456789012"}\n'
    path.write_text(TEXT.replace(prod, prod + '    old: {id: "000000000001"}\n'))
    save(load_roster(path), tmp_path / "tf")
    assert (tmp_path / "tf/old/main.tf").exists()
    (tmp_path / "tf/old/extra.tf").write_text("# written by hand\n")
    path.write_text(TEXT)
    written = save(load_roster(path), tmp_path / "tf")
    assert tmp_path / "tf/old/main.tf" in written
    assert sorted(p.name for p in (tmp_path / "tf/old").iterdir()) == ["extra.tf"]
    assert (tmp_path / "tf/prod/users.tf").exists()


def test_public_api_is_pinned() -> None:
    import mfaguard.roster as roster
    import mfaguard.terraform_render as render

    assert {"load_roster", "parse_roster", "Roster", "Person", "RosterInvalid", "merge_account", "read_live_users",
            "set_enforcement", "save", "write_files"} <= set(roster.__all__)
    assert {"render", "import_blocks", "derive_key", "unique_key", "addresses"} <= set(render.__all__)
    for module in (roster, render):
        assert all(hasattr(module, name) for name in module.__all__)


def test_set_enforcement_keeps_the_next_persons_heading_in_place() -> None:
    from mfaguard.roster.load import parse_roster

    text = """\
version: 1
teams: {sre: {}}
people:
  - id: ann
    team: sre
  # --- next wave ---
  - id: ben
    team: sre
# end
"""
    edited = set_enforcement(parse_roster(text, "roster.yaml"), ["ann", "ben"], "enforced")
    assert edited.dump() == text.replace("    team: sre\n", "    team: sre\n    enforcement: enforced\n")
