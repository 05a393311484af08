"""Text and JSON views of plans, statuses and advances, for the CLI. Pure: data in, strings/dicts out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mfaguard.model import Snapshot
from mfaguard.rollout.advance import AdvancePlan
from mfaguard.rollout.log import ActionRecord, NotificationRecord
from mfaguard.rollout.notify import Message, NotifyPlan
from mfaguard.rollout.readiness import PersonReadiness, WaveReadiness
from mfaguard.rollout.status import WaveTrend

__all__ = [
    "advance_dict",
    "advance_text",
    "message_text",
    "notify_summary",
    "plan_dict",
    "plan_text",
    "snapshot_line",
    "status_dict",
    "status_text",
]


def snapshot_line(snapshot: Snapshot | None, now: datetime) -> str:
    if snapshot is None:
        return "no audit snapshot in the store: run `mfaguard audit` first (everyone shows as unaudited)"
    hours = (now - snapshot.taken_at).total_seconds() / 3600
    return f"audit snapshot {snapshot.id}, taken {snapshot.taken_at:%Y-%m-%d %H:%M} UTC ({hours:.1f} h ago)"


def _counts(r: WaveReadiness) -> str:
    order = ("enforced", "ready", "blocked", "exempt")
    return ", ".join(f"{r.counts[k]} {k}" for k in order if r.counts.get(k))


def _wave_header(r: WaveReadiness, total: int) -> str:
    w = r.wave
    due = f", due {w.target_date}" if w.target_date else ""
    return f"wave {w.number}/{total} {w.name}{due}: {r.status.upper()} ({len(r.people)} people: {_counts(r) or 'none'})"


def _mfa(p: PersonReadiness) -> str:
    if not p.users:
        return "-"
    with_mfa = sum(1 for u in p.users if u.state == "mfa")
    active = sum(1 for u in p.users if u.state != "inactive")
    return f"{with_mfa}/{active}" if len(p.users) > 1 else ("yes" if with_mfa else "no" if active else "-")


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def plan_text(readiness: list[WaveReadiness], snapshot: Snapshot | None, now: datetime,
              total: int | None = None) -> str:
    """``total``: how many waves the roster has, when ``readiness`` shows only some of them."""
    lines = [snapshot_line(snapshot, now)]
    total = total or len(readiness)
    for r in readiness:
        lines += ["", _wave_header(r, total)]
        if r.wave.description:
            lines.append(f"  {r.wave.description}")
        if not r.people:
            lines.append("  (no members)")
            continue
        rows = [["PERSON", "TEAM", "LEVEL", "ACCESS", "MFA", "STATUS", "NOTES"]]
        for p in r.people:
            notes = list(p.reasons)
            if p.suggestion:
                notes.append(p.suggestion)
            if p.status == "enforced" and not p.mfa_complete:
                notes.append("enforced but without MFA: locked out until they enroll")
            rows.append([p.person, p.team, p.level, p.access, _mfa(p), p.status, "; ".join(notes)])
        lines += _table(rows)
    return "\n".join(lines) + "\n"


def _person_dict(p: PersonReadiness) -> dict[str, Any]:
    return {
        "person": p.person, "name": p.name, "email": p.email, "team": p.team, "level": p.level,
        "enforcement": p.enforcement, "status": p.status, "access": p.access, "mfa_complete": p.mfa_complete,
        "reasons": list(p.reasons), "suggestion": p.suggestion,
        "users": [
            {"account": u.account, "account_id": u.account_id, "user": u.user, "state": u.state,
             "access": u.access, "admin": u.admin, "device_kinds": list(u.device_kinds), "detail": u.detail}
            for u in p.users
        ],
    }


def _wave_dict(r: WaveReadiness) -> dict[str, Any]:
    w = r.wave
    return {
        "name": w.name, "number": w.number, "description": w.description, "teams": list(w.teams),
        "people": list(w.people), "everyone": w.everyone,
        "target_date": w.target_date.isoformat() if w.target_date else None,
        "status": r.status, "counts": r.counts, "by_team": r.teams,
        "members": [_person_dict(p) for p in r.people],
    }


def plan_dict(readiness: list[WaveReadiness], snapshot: Snapshot | None) -> dict[str, Any]:
    return {
        "snapshot": {"id": snapshot.id, "taken_at": snapshot.taken_at.isoformat()} if snapshot else None,
        "waves": [_wave_dict(r) for r in readiness],
    }


def _action_line(a: ActionRecord) -> str:
    why = f' reason: "{a.reason}"' if a.reason else ""
    return f"  {a.at:%Y-%m-%d %H:%M} {a.actor}: {a.action} {a.wave} -> {a.outcome}{why}"


def status_text(
    readiness: list[WaveReadiness], trends: list[WaveTrend], team_trends: dict[str, list[float]],
    actions: list[ActionRecord], notifications: list[NotificationRecord], snapshot: Snapshot | None, now: datetime,
) -> str:
    lines = [snapshot_line(snapshot, now), ""]
    trend_of = {t.wave: t for t in trends}
    notified: dict[str, set[str]] = {}
    for n in notifications:
        notified.setdefault(n.wave, set()).add(n.person)
    total = len(readiness)
    for r in readiness:
        lines.append(_wave_header(r, total))
        for team, counts in r.teams.items():
            parts = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
            trend = team_trends.get(team)
            shown = f"; adoption {' -> '.join(f'{v:g}%' for v in trend)}" if trend else ""
            lines.append(f"  team {team}: {parts}{shown}")
        t = trend_of.get(r.wave.name)
        if t and t.points:
            series = " -> ".join(f"{p.with_mfa}/{p.members}" for p in t.points)
            lines.append(f"  members with MFA over the last {len(t.points)} audit(s): {series}")
        if r.wave.name in notified:
            lines.append(f"  notified: {len(notified[r.wave.name])} people")
    lines += ["", "recent actions:" if actions else "no rollout actions recorded yet"]
    lines += [_action_line(a) for a in actions]
    return "\n".join(lines) + "\n"


def status_dict(
    readiness: list[WaveReadiness], trends: list[WaveTrend], team_trends: dict[str, list[float]],
    actions: list[ActionRecord], notifications: list[NotificationRecord], snapshot: Snapshot | None,
) -> dict[str, Any]:
    data = plan_dict(readiness, snapshot)
    trend_of = {t.wave: t for t in trends}
    for wave in data["waves"]:
        t = trend_of.get(wave["name"])
        wave["trend"] = [
            {"snapshot": p.snapshot_id, "taken_at": p.taken_at.isoformat(), "with_mfa": p.with_mfa,
             "members": p.members, "pct": p.pct}
            for p in (t.points if t else ())
        ]
        wave["notified"] = sorted({n.person for n in notifications if n.wave == wave["name"]})
    data["team_adoption"] = team_trends
    data["actions"] = [
        {"at": a.at.isoformat(), "actor": a.actor, "action": a.action, "wave": a.wave, "outcome": a.outcome,
         "reason": a.reason, "snapshot_id": a.snapshot_id, "detail": a.detail}
        for a in actions
    ]
    return data


def advance_text(plan: AdvancePlan, *, apply: bool) -> str:
    lines = [f"advance wave {plan.wave}: enforce {len(plan.to_enforce)} people"
             + (f" ({', '.join(plan.to_enforce)})" if plan.to_enforce else "")]
    if plan.refusals:
        lines.append("REFUSED:")
        lines += [f"  - {r.message}" + (" [override: --allow-unready --reason]" if r.overridable else "")
                  for r in plan.refusals]
    if plan.overridden:
        lines.append("enforced although not ready (override):")
        lines += [f"  - {r.message}" for r in plan.overridden]
    lines += [f"note: {n}" for n in plan.notes]
    if plan.changes:
        lines.append("Terraform changes (group memberships):")
        for c in plan.changes:
            delta = ", ".join([*(f"+{g}" for g in c.added), *(f"-{g}" for g in c.removed)])
            lines.append(f"  {c.account}: {c.resource} will be {c.action}d ({c.user}: {delta})")
        accounts = sorted({c.account for c in plan.changes})
        lines.append(f"  {len(plan.changes)} membership change(s) in {len(accounts)} account(s): {', '.join(accounts)}")
    elif not plan.refusals:
        lines.append("no Terraform changes")
    if not plan.refusals and not apply:
        lines.append("dry run: nothing written; run again with --apply to mark the wave enforced and re-render")
    return "\n".join(lines) + "\n"


def advance_dict(plan: AdvancePlan) -> dict[str, Any]:
    return {
        "wave": plan.wave, "to_enforce": list(plan.to_enforce), "refused": plan.refused,
        "refusals": [{"code": r.code, "message": r.message, "subject": r.subject} for r in plan.refusals],
        "overridden": [{"code": r.code, "message": r.message, "subject": r.subject} for r in plan.overridden],
        "changes": [
            {"account": c.account, "resource": c.resource, "action": c.action, "user": c.user, "person": c.person,
             "added": list(c.added), "removed": list(c.removed)}
            for c in plan.changes
        ],
        "notes": list(plan.notes), "snapshot_id": plan.snapshot_id,
    }


def message_text(message: Message, sender: str) -> str:
    return f"From: {sender}\nTo: {message.to}\nSubject: {message.subject}\n\n{message.body}"


def notify_summary(plan: NotifyPlan, sent: int, *, dry_run: bool) -> str:
    verb = "would send" if dry_run else "sent"
    lines = [f"wave {plan.wave}: {verb} {sent if not dry_run else len(plan.to_send)} message(s); "
             f"{plan.ready} people need none"]
    if plan.already_notified:
        lines.append(f"  already notified for this wave (use --resend): {', '.join(plan.already_notified)}")
    if plan.no_email:
        lines.append(f"  no email address in the roster, not notified: {', '.join(plan.no_email)}")
    if plan.unknown:
        lines.append("  not notified, their accounts are missing from the latest audit (run `mfaguard audit` "
                     f"again): {', '.join(plan.unknown)}")
    return "\n".join(lines) + "\n"
