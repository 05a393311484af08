"""`rollout advance`: the roster change a wave implies and the Terraform membership changes it renders to.

``plan_advance`` is pure (roster + snapshot in, plan out); ``apply_advance`` writes the roster and the
re-rendered Terraform together, all or nothing, through the roster's own edit and render functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from mfaguard.model import Snapshot
from mfaguard.rollout.guards import Refusal, check_advance
from mfaguard.rollout.readiness import WaveReadiness
from mfaguard.roster.load import LoadedRoster
from mfaguard.roster.model import Roster
from mfaguard.terraform_render import instances

__all__ = ["AdvancePlan", "MembershipChange", "apply_advance", "membership_changes", "plan_advance"]


@dataclass(frozen=True)
class MembershipChange:
    """One IAM user whose group memberships change in one account's Terraform."""

    account: str
    address: str  # module address, e.g. module.alice
    user: str
    person: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def action(self) -> str:
        """What Terraform does with the module's aws_iam_user_group_membership (count 0 or 1)."""
        if not self.before:
            return "create"
        return "delete" if not self.after else "update"

    @property
    def resource(self) -> str:
        return f"{self.address}.aws_iam_user_group_membership.this[0]"


@dataclass(frozen=True)
class AdvancePlan:
    wave: str
    to_enforce: tuple[str, ...]  # person ids
    refusals: tuple[Refusal, ...]
    overridden: tuple[Refusal, ...]
    changes: tuple[MembershipChange, ...]
    snapshot_id: str | None
    notes: tuple[str, ...] = field(default=())

    @property
    def refused(self) -> bool:
        return bool(self.refusals)


def _enforced_copy(roster: Roster, person_ids: set[str]) -> Roster:
    people = [p.model_copy(update={"enforcement": "enforced"}) if p.id in person_ids else p for p in roster.people]
    return roster.model_copy(update={"people": people})


def membership_changes(before: Roster, after: Roster) -> list[MembershipChange]:
    """Group membership differences between two rosters, per account and module instance."""
    out: list[MembershipChange] = []
    for account in sorted(after.accounts):
        old = {i.key: i for i in instances(before, account)} if account in before.accounts else {}
        for inst in instances(after, account):
            prev = old.get(inst.key)
            if prev is None or prev.groups == inst.groups:
                continue
            out.append(MembershipChange(
                account=account, address=inst.address, user=inst.name, person=inst.person.id,
                added=tuple(g for g in inst.groups if g not in prev.groups),
                removed=tuple(g for g in prev.groups if g not in inst.groups),
                before=prev.groups, after=inst.groups,
            ))
    return out


def plan_advance(
    roster: Roster,
    readiness: WaveReadiness,
    snapshot: Snapshot | None,
    *,
    now: datetime,
    max_age: timedelta,
    admin_levels: list[str],
    allow_unready: bool = False,
    earlier: list[WaveReadiness] | None = None,
) -> AdvancePlan:
    refusals, overridden = check_advance(
        roster, readiness, snapshot, now=now, max_age=max_age, admin_levels=admin_levels,
        allow_unready=allow_unready,
    )
    to_enforce = tuple(p.person for p in readiness.pending)
    changes = membership_changes(roster, _enforced_copy(roster, set(to_enforce)))
    notes = []
    for prev in earlier or []:
        if prev.status not in ("enforced", "empty"):
            notes.append(f"earlier wave '{prev.wave.name}' is not fully enforced yet ({prev.status})")
    if not to_enforce:
        notes.append(f"every member of wave '{readiness.wave.name}' is already enforced or exempt")
    return AdvancePlan(
        wave=readiness.wave.name, to_enforce=to_enforce, refusals=tuple(refusals), overridden=tuple(overridden),
        changes=tuple(changes), snapshot_id=snapshot.id if snapshot else None, notes=tuple(notes),
    )


def apply_advance(loaded: LoadedRoster, plan: AdvancePlan, terraform_dir: Path) -> list[Path]:
    """Mark the wave's people enforced in the roster (comments kept) and re-render; returns changed files."""
    from mfaguard.roster.edit import save, set_enforcement

    if plan.refused:
        raise ValueError("refusing to apply a refused plan")  # the CLI never gets here; a guard for callers
    if not plan.to_enforce:
        return []
    updated = set_enforcement(loaded, plan.to_enforce, "enforced")
    return save(updated, terraform_dir)
