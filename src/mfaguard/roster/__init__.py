"""The roster: the human-edited source of truth for people, teams, access levels and accounts.

Public API:
    load_roster(path) -> LoadedRoster          parse + validate (file:line errors), PGP keys resolved
    parse_roster(text, path) -> LoadedRoster
    LoadedRoster(path, doc, roster, indent)    .dump() writes the round-trip document back
    Roster, Person, AccountUser, Team, AccountSpec, Backend, AccessLevel   the validated model
    RosterInvalid                              an InputError listing every problem
    merge_account(doc, roster, account, account_id, live_users)          import's merge (pure)
    read_live_users(iam) -> list[LiveUser]     live IAM users with what the import needs
    set_enforcement(loaded, ids, state) -> LoadedRoster; save(loaded, out_dir)   edits for the rollout
    write_files(changes)                       all-or-nothing writes
"""

from __future__ import annotations

from mfaguard.roster.edit import save, set_enforcement
from mfaguard.roster.files import write_files
from mfaguard.roster.live import LiveAccessKey, LiveSshKey, LiveUser, read_live_users
from mfaguard.roster.load import LoadedRoster, RosterInvalid, load_roster, parse_roster
from mfaguard.roster.merge import MergeResult, merge_account
from mfaguard.roster.model import (
    AccessLevel,
    AccountSpec,
    AccountUser,
    Backend,
    Defaults,
    Person,
    Roster,
    Team,
    TerraformSettings,
)

__all__ = [
    "AccessLevel",
    "AccountSpec",
    "AccountUser",
    "Backend",
    "Defaults",
    "LiveAccessKey",
    "LiveSshKey",
    "LiveUser",
    "LoadedRoster",
    "MergeResult",
    "Person",
    "Roster",
    "RosterInvalid",
    "Team",
    "TerraformSettings",
    "load_roster",
    "merge_account",
    "parse_roster",
    "read_live_users",
    "save",
    "set_enforcement",
    "write_files",
]
