"""The guards of `rollout advance`: what must hold before a wave's people are enforced. Pure.

1. Every pending member holds MFA on each IAM user that can sign in or call AWS (``unready``); only
   this one can be overridden (``--allow-unready --reason``), and the override is recorded.
2. No account the wave touches is left without an administrator who holds MFA (``no_mfa_admin``): an
   account whose admins all lack MFA has nobody to help a locked-out person.
3. The audit snapshot the decision rests on is recent enough (``stale_snapshot``, ``no_snapshot``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mfaguard.model import Snapshot, UserStatus
from mfaguard.rollout.readiness import WaveReadiness, snapshot_index
from mfaguard.roster.model import Roster

__all__ = ["Refusal", "admin_guard", "check_advance", "freshness_guard", "unready_guard"]


@dataclass(frozen=True)
class Refusal:
    code: str  # no_snapshot | stale_snapshot | unready | no_mfa_admin
    message: str
    overridable: bool = False
    subject: str = ""  # the person id or account name concerned


def freshness_guard(snapshot: Snapshot | None, now: datetime, max_age: timedelta) -> list[Refusal]:
    if snapshot is None:
        return [Refusal("no_snapshot", "there is no audit snapshot in the store: readiness is unknown")]
    age = now - snapshot.taken_at
    if age > max_age:
        hours = age.total_seconds() / 3600
        return [Refusal(
            "stale_snapshot",
            f"the latest audit snapshot ({snapshot.id}, {snapshot.taken_at:%Y-%m-%d %H:%M} UTC) is {hours:.1f} h "
            f"old, more than the allowed {max_age.total_seconds() / 3600:g} h",
        )]
    return []


def unready_guard(readiness: WaveReadiness) -> list[Refusal]:
    return [
        Refusal("unready", f"{p.person} is not ready: {'; '.join(p.reasons)}", overridable=True, subject=p.person)
        for p in readiness.blocked
    ]


def _can_use_mfa(user: UserStatus) -> bool:
    """Holds a device it can sign in with: FIDO keys work in the console only, not for access keys."""
    only_fido = bool(user.device_kinds) and set(user.device_kinds) == {"fido"}
    return user.mfa and (user.console or not only_fido)


def admin_guard(
    roster: Roster, snapshot: Snapshot | None, to_enforce: Iterable[str], admin_levels: Iterable[str]
) -> list[Refusal]:
    """Refuse when an account the change touches would have no admin holding MFA afterwards.

    Admins after the change: users the audit found to be admins, plus users of people at an admin access
    level who are (or become) enforced, since enforcement puts them in their level's group. Only those
    with an MFA device count; enforcement takes nobody's device away.
    """
    if snapshot is None:
        return []  # the freshness guard already refuses
    enforce = set(to_enforce)
    levels = set(admin_levels)
    owner: dict[tuple[str, str], str] = {}  # (account id, user name folded) -> person id
    touched: dict[str, str] = {}  # account id -> roster account name
    enforced_after: set[str] = set()
    by_id = {p.id: p for p in roster.people}
    for person in roster.people:
        if person.enforcement == "enforced" or person.id in enforce:
            enforced_after.add(person.id)
        for account, entries in person.accounts.items():
            spec = roster.accounts.get(account)
            if spec is None:
                continue
            for entry in entries:
                owner[(spec.id, person.user_name(entry).lower())] = person.id
                if person.id in enforce:
                    touched[spec.id] = account
    index = snapshot_index(snapshot)
    refusals = []
    for account_id, account in sorted(touched.items(), key=lambda kv: kv[1]):
        users = [u for (aid, name), u in index.items() if aid == account_id and name == u.name]
        admins = []
        for u in users:
            pid = owner.get((account_id, u.name.lower()))
            by_level = pid is not None and pid in enforced_after and roster.level_of(by_id[pid]) in levels
            if u.admin or by_level:
                admins.append(u)
        if any(_can_use_mfa(u) for u in admins):
            continue
        names = ", ".join(sorted(u.name for u in admins)) or "none"
        refusals.append(Refusal(
            "no_mfa_admin",
            f"account {account} ({account_id}) would have no administrator holding MFA (admins: {names}); "
            "a person locked out there would have nobody to help them",
            subject=account,
        ))
    return refusals


def check_advance(
    roster: Roster,
    readiness: WaveReadiness,
    snapshot: Snapshot | None,
    *,
    now: datetime,
    max_age: timedelta,
    admin_levels: Iterable[str],
    allow_unready: bool = False,
) -> tuple[list[Refusal], list[Refusal]]:
    """(refusals, overridden): what blocks the advance, and the unready members an override lets through."""
    to_enforce = [p.person for p in readiness.pending]
    unready = unready_guard(readiness)
    refusals = freshness_guard(snapshot, now, max_age)
    overridden: list[Refusal] = []
    if allow_unready:
        overridden = unready
    else:
        refusals += unready
    refusals += admin_guard(roster, snapshot, to_enforce, admin_levels)
    return refusals, overridden
