"""Readiness of each wave from the latest audit snapshot. Pure.

Every IAM user the roster gives a person is looked up in the snapshot by (account id, user name). A
person is *ready* when each of their users that can sign in or call AWS holds an MFA device it can use
(a user with access keys needs a TOTP device: the CLI cannot use a FIDO key): enforcing them then locks
nobody out. A user the audit did not see (not created yet, or its account failed) is not
known to have MFA, so it blocks too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from mfaguard.model import Snapshot, UserStatus
from mfaguard.rollout.waves import Wave
from mfaguard.roster.model import Person, Roster

__all__ = [
    "PersonReadiness",
    "UserCheck",
    "WaveReadiness",
    "assess_person",
    "assess_wave",
    "assess_waves",
    "snapshot_index",
]

# fido_only: the user has access keys but only FIDO security keys, which work in the console but not with
# the AWS CLI/API (STS takes a TOTP code): enforcing them would lock their keys out.
UserState = Literal["mfa", "no_mfa", "fido_only", "inactive", "missing", "unaudited"]
PersonStatus = Literal["enforced", "exempt", "ready", "blocked"]
WaveStatus = Literal["enforced", "ready", "blocked", "empty"]


@dataclass(frozen=True)
class UserCheck:
    """One IAM user of a person, as the audit saw it."""

    account: str  # roster account name
    account_id: str
    user: str
    state: UserState
    console: bool = False
    active_keys: int = 0
    admin: bool = False
    enforced_live: bool = False  # the audit found a force-MFA policy on this user already
    device_kinds: tuple[str, ...] = ()
    detail: str = ""

    @property
    def label(self) -> str:
        return f"{self.account}/{self.user}"

    @property
    def access(self) -> str:
        if self.console and self.active_keys:
            return "console+cli"
        if self.console:
            return "console"
        if self.active_keys:
            return "cli-only"
        return "none"


@dataclass(frozen=True)
class PersonReadiness:
    person: str  # roster id
    name: str
    email: str
    team: str
    level: str
    enforcement: str  # roster state: pending, enforced, exempt
    status: PersonStatus
    users: tuple[UserCheck, ...] = ()
    reasons: tuple[str, ...] = ()  # why blocked; empty otherwise
    # Accounts where the person has more than one IAM user (the old "second user for the CLI" workaround).
    duplicate_accounts: tuple[str, ...] = ()
    mfa_complete: bool = False  # every user that can act holds MFA, whatever the enforcement state

    @property
    def has_mfa(self) -> bool:
        return any(u.state == "mfa" for u in self.users)

    @property
    def missing_mfa(self) -> tuple[UserCheck, ...]:
        return tuple(u for u in self.users if u.state in ("no_mfa", "fido_only", "missing", "unaudited"))

    @property
    def access(self) -> str:
        console = any(u.console for u in self.users)
        cli = any(u.active_keys for u in self.users)
        return "console+cli" if console and cli else "console" if console else "cli-only" if cli else "none"

    @property
    def suggestion(self) -> str:
        if not self.duplicate_accounts:
            return ""
        return (f"more than one IAM user in {', '.join(self.duplicate_accounts)}: one user can hold up to 8 MFA "
                "devices since 2022, consolidate into one")


@dataclass(frozen=True)
class WaveReadiness:
    wave: Wave
    people: tuple[PersonReadiness, ...]
    status: WaveStatus
    counts: dict[str, int] = field(default_factory=dict)  # person status -> count
    teams: dict[str, dict[str, int]] = field(default_factory=dict)  # team -> person status -> count

    @property
    def pending(self) -> tuple[PersonReadiness, ...]:
        return tuple(p for p in self.people if p.status in ("ready", "blocked"))

    @property
    def blocked(self) -> tuple[PersonReadiness, ...]:
        return tuple(p for p in self.people if p.status == "blocked")

    def person(self, person_id: str) -> PersonReadiness:
        return next(p for p in self.people if p.person == person_id)


class SnapshotIndex(dict[tuple[str, str], UserStatus]):
    """Users by (account id, user name), plus what the snapshot says about each account, computed once."""

    def __init__(self, snapshot: Snapshot | None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.audited = {a.id for a in snapshot.accounts} if snapshot else set()
        self.failed: dict[str, str] = {}
        failed = snapshot.failed_accounts if snapshot else set()
        if snapshot:
            for e in snapshot.errors:
                if e.account_id in failed:
                    self.failed.setdefault(e.account_id, f"{e.stage}: {e.code}")


def snapshot_index(snapshot: Snapshot | None) -> SnapshotIndex:
    """Users by (account id, user name); IAM names are case-insensitive, so the folded name is a key too."""
    out = SnapshotIndex(snapshot)
    for u in snapshot.users if snapshot else ():
        out[(u.account_id, u.name)] = u
        out.setdefault((u.account_id, u.name.lower()), u)
    return out


def _check_user(account: str, account_id: str, user: str, index: SnapshotIndex) -> UserCheck:
    if index.snapshot is None:
        return UserCheck(account, account_id, user, "unaudited", detail="no audit snapshot")
    if account_id in index.failed:
        why = index.failed[account_id]
        return UserCheck(account, account_id, user, "unaudited", detail=f"the audit of this account failed ({why})")
    if account_id not in index.audited:
        return UserCheck(account, account_id, user, "unaudited", detail="account not in the latest audit")
    status = index.get((account_id, user)) or index.get((account_id, user.lower()))
    if status is None:
        return UserCheck(account, account_id, user, "missing", detail="IAM user not found in the latest audit")
    state: UserState = "mfa" if status.mfa else "no_mfa" if status.in_scope else "inactive"
    if state == "mfa" and status.active_keys and status.device_kinds and set(status.device_kinds) == {"fido"}:
        state = "fido_only"
    return UserCheck(
        account, account_id, user, state, console=status.console, active_keys=status.active_keys,
        admin=status.admin, enforced_live=status.enforced, device_kinds=status.device_kinds,
    )


def assess_person(roster: Roster, person: Person, snapshot: Snapshot | None,
                  index: SnapshotIndex | None = None) -> PersonReadiness:
    index = snapshot_index(snapshot) if index is None else index
    checks: list[UserCheck] = []
    duplicates: list[str] = []
    for account, entries in person.accounts.items():
        spec = roster.accounts.get(account)
        if spec is None:
            continue  # the roster's own validation reports unknown accounts
        if len(entries) > 1:
            duplicates.append(account)
        for entry in entries:
            checks.append(_check_user(account, spec.id, person.user_name(entry), index))
    reasons: list[str] = []
    for c in checks:
        if c.state == "no_mfa":
            reasons.append(f"{c.label}: no MFA device ({c.access})")
        elif c.state == "fido_only":
            reasons.append(f"{c.label}: only a FIDO security key, which the AWS CLI/API cannot use ({c.access})")
        elif c.state in ("missing", "unaudited"):
            reasons.append(f"{c.label}: {c.detail}")
    status: PersonStatus
    if person.enforcement in ("enforced", "exempt"):
        status = "enforced" if person.enforcement == "enforced" else "exempt"
    else:
        status = "blocked" if reasons else "ready"
    return PersonReadiness(
        person=person.id, name=person.name, email=person.email or "", team=person.team,
        level=roster.level_of(person), enforcement=person.enforcement, status=status, users=tuple(checks),
        reasons=tuple(reasons) if status == "blocked" else (), duplicate_accounts=tuple(duplicates),
        mfa_complete=not reasons,
    )


def assess_wave(roster: Roster, wave: Wave, snapshot: Snapshot | None,
                index: SnapshotIndex | None = None) -> WaveReadiness:
    index = snapshot_index(snapshot) if index is None else index
    by_id = {p.id: p for p in roster.people}
    people = tuple(assess_person(roster, by_id[pid], snapshot, index) for pid in wave.members)
    counts = Counter(p.status for p in people)
    teams: dict[str, Counter[str]] = {}
    for p in people:
        teams.setdefault(p.team, Counter())[p.status] += 1
    status: WaveStatus
    if not people or all(p.status == "exempt" for p in people):
        status = "empty"
    elif counts["blocked"]:
        status = "blocked"
    elif counts["ready"]:
        status = "ready"
    else:
        status = "enforced"
    return WaveReadiness(
        wave=wave, people=people, status=status, counts=dict(counts),
        teams={t: dict(c) for t, c in sorted(teams.items())},
    )


def assess_waves(roster: Roster, waves: list[Wave], snapshot: Snapshot | None) -> list[WaveReadiness]:
    index = snapshot_index(snapshot)
    return [assess_wave(roster, w, snapshot, index) for w in waves]
