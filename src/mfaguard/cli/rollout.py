"""`mfaguard rollout plan|status|notify|advance`: the staged MFA rollout by team."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from mfaguard.errors import EXIT_ERROR

__all__ = ["rollout"]


def _common(fn: Any) -> Any:
    fn = click.option("-r", "--roster", "roster_path", type=click.Path(dir_okay=False),
                      help="Roster file (default: [roster] path in mfaguard.toml, then roster.yaml).")(fn)
    fn = click.option("--store", "store", metavar="PATH|URL",
                      help="Snapshot store (default: $MFAGUARD_STORE, [store] url, then the user data dir).")(fn)
    return fn


def _context(ctx: click.Context, roster_path: str | None, store: str | None, out: str | None = None) -> Any:
    from mfaguard.rollout.context import load_context

    return load_context(ctx.obj.get("config_path") if ctx.obj else None, roster=roster_path, store=store, out=out)


def _stale_terraform(loaded: Any, terraform_dir: Path) -> list[str]:
    """Rendered files that differ from the current roster's render (none when nothing was rendered yet)."""
    from mfaguard.roster.files import unchanged
    from mfaguard.roster.output import plan_files

    if not terraform_dir.is_dir():
        return []
    return sorted(str(p) for p, text in plan_files(loaded, terraform_dir).items() if not unchanged(p, text))


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


@click.group()
def rollout() -> None:
    """Plan, notify and advance the staged MFA rollout, wave by wave.

    Waves are declared in the roster (waves:); readiness comes from the latest audit snapshot.
    """


@rollout.command(short_help="Each wave's members and readiness.")
@_common
@click.option("-w", "--wave", "wave_name", help="Only this wave.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def plan(ctx: click.Context, roster_path: str | None, store: str | None, wave_name: str | None, fmt: str) -> int:
    """Each wave's members and readiness: who has MFA, who does not, console vs CLI-only."""
    from mfaguard.model import utcnow
    from mfaguard.rollout.output import plan_dict, plan_text
    from mfaguard.rollout.readiness import assess_waves
    from mfaguard.rollout.waves import find_wave
    from mfaguard.store import open_store

    rc = _context(ctx, roster_path, store)
    waves = [find_wave(rc.waves, wave_name, rc.loaded.path)] if wave_name else rc.waves
    with open_store(rc.store_url) as st:
        snapshot = st.latest()
    readiness = assess_waves(rc.loaded.roster, waves, snapshot)
    if not rc.waves:
        click.echo(f"the roster {rc.loaded.path} declares no waves (see docs/rollout.md)", err=True)
    if fmt == "json":
        _echo_json(plan_dict(readiness, snapshot))
    else:
        click.echo(plan_text(readiness, snapshot, utcnow(), total=len(rc.waves)), nl=False)
    return 0


@rollout.command(short_help="The whole rollout: per wave and team, trend, actions.")
@_common
@click.option("--history", "history", type=click.IntRange(1, 100),
              help="Audits in the trend (default: [rollout] history).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def status(ctx: click.Context, roster_path: str | None, store: str | None, history: int | None, fmt: str) -> int:
    """The whole rollout: enforced / ready / blocked per wave and team, the trend, and the actions log."""
    from mfaguard.model import utcnow
    from mfaguard.rollout.log import RolloutLog
    from mfaguard.rollout.output import status_dict, status_text
    from mfaguard.rollout.readiness import assess_waves
    from mfaguard.rollout.status import wave_trends
    from mfaguard.store import open_store

    rc = _context(ctx, roster_path, store)
    count = history or rc.rollout.history
    roster = rc.loaded.roster
    with open_store(rc.store_url) as st:
        snapshot = st.latest()
        infos = st.list_snapshots(limit=count)
        snapshots = [snapshot if snapshot and i.id == snapshot.id else st.get(i.id) for i in infos]
        in_waves = {pid for w in rc.waves for pid in w.members}
        teams = sorted({p.team for p in roster.people if p.id in in_waves})
        team_trends = {t: [a.pct for _, a in st.history("team", key=t, limit=count)] for t in teams}
        log = RolloutLog(st)
        actions = log.actions(limit=20)
        notifications = log.notifications()
    readiness = assess_waves(roster, rc.waves, snapshot)
    trends = wave_trends(roster, rc.waves, snapshots)
    team_trends = {t: v for t, v in team_trends.items() if v}
    if fmt == "json":
        _echo_json(status_dict(readiness, trends, team_trends, actions, notifications, snapshot))
    else:
        click.echo(status_text(readiness, trends, team_trends, actions, notifications, snapshot, utcnow()), nl=False)
    return 0


@rollout.command(short_help="Email the not-ready people of a wave.")
@_common
@click.option("-w", "--wave", "wave_name", required=True, help="The wave whose not-ready people are told.")
@click.option("--dry-run", is_flag=True, help="Print the messages; send and record nothing.")
@click.option("--resend", is_flag=True, help="Mail people again who were already notified for this wave.")
@click.option("--actor", help="Who runs this, for the actions log (default: $MFAGUARD_ACTOR, then the login name).")
@click.pass_context
def notify(ctx: click.Context, roster_path: str | None, store: str | None, wave_name: str, dry_run: bool,
           resend: bool, actor: str | None) -> int:
    """Email each not-ready person of a wave: their accounts, how to set up MFA, the deadline."""
    from mfaguard.errors import MfaguardError
    from mfaguard.model import utcnow
    from mfaguard.rollout.context import default_actor
    from mfaguard.rollout.log import ActionRecord, NotificationRecord, RolloutLog
    from mfaguard.rollout.notify import Message, plan_notifications, render_messages
    from mfaguard.rollout.output import message_text, notify_summary, snapshot_line
    from mfaguard.rollout.readiness import assess_wave
    from mfaguard.rollout.smtp import send_messages
    from mfaguard.rollout.waves import find_wave
    from mfaguard.store import open_store

    rc = _context(ctx, roster_path, store)
    wave = find_wave(rc.waves, wave_name, rc.loaded.path)
    roster = rc.loaded.roster
    now = utcnow()
    with open_store(rc.store_url) as st:
        snapshot = st.latest()
        if snapshot is None:
            raise MfaguardError("there is no audit snapshot in the store: nobody's readiness is known",
                                hint="run `mfaguard audit` first (with the same --store)")
        click.echo(snapshot_line(snapshot, now), err=True)
        if now - snapshot.taken_at > timedelta(hours=rc.rollout.max_snapshot_age_hours):
            # Not refused (a reminder harms nobody), but people who enabled MFA since would be told they lack it.
            click.echo(f"warning: the audit snapshot is older than [rollout] max_snapshot_age_hours "
                       f"({rc.rollout.max_snapshot_age_hours:g} h): run `mfaguard audit` first so that people who "
                       "enabled MFA since are not mailed", err=True)
        log = RolloutLog(st)
        readiness = assess_wave(roster, wave, snapshot)
        nplan = plan_notifications(readiness, log.notified(wave.name), resend=resend)
        regions = {name: spec.region for name, spec in roster.accounts.items()}
        messages = render_messages(nplan, readiness, rc.notify, today=now.date(), regions=regions)
        if dry_run:
            for m in messages:
                click.echo(message_text(m, rc.notify.sender))
                click.echo("-" * 72)
            click.echo(notify_summary(nplan, 0, dry_run=True), nl=False)
            return 0

        mailed: list[str] = []

        def on_sent(message: Message, message_id: str, sent_at: Any) -> None:
            mailed.append(message.person)
            log.record_notification(NotificationRecord(
                wave=wave.name, person=message.person, email=message.to, sent_at=sent_at, message_id=message_id,
                snapshot_id=snapshot.id))
            click.echo(f"sent to {message.person} <{message.to}> {message_id}")

        who = actor or default_actor()
        try:
            sent = send_messages(
                messages, rc.smtp, sender=rc.notify.sender, reply_to=rc.notify.reply_to,
                per_minute=rc.notify.rate_per_minute, password=rc.smtp.password(), on_sent=on_sent)
        except MfaguardError:
            log.record_action(ActionRecord(
                at=utcnow(), actor=who, action="notify", wave=wave.name, outcome="failed", snapshot_id=snapshot.id,
                detail={"sent": mailed}))
            raise
        if sent or resend:
            log.record_action(ActionRecord(
                at=utcnow(), actor=who, action="notify", wave=wave.name, outcome="sent", snapshot_id=snapshot.id,
                reason="resend" if resend else "",
                detail={"sent": [m.person for m, _ in sent], "skipped": list(nplan.already_notified),
                        "no_email": list(nplan.no_email), "unknown": list(nplan.unknown)}))
    click.echo(notify_summary(nplan, len(sent), dry_run=False), nl=False)
    return 0


@rollout.command(short_help="Enforce a wave, if safe (dry run unless --apply).")
@_common
@click.option("-w", "--wave", "wave_name", required=True, help="The wave to enforce.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False),
              help="Terraform directory (default: [roster] terraform_dir, then terraform/accounts).")
@click.option("--apply", "apply", is_flag=True, help="Write the roster and the Terraform (default: dry run).")
@click.option("--allow-unready", is_flag=True, help="Enforce members without MFA anyway (needs --reason).")
@click.option("--reason", help="Why: recorded in the actions log (required with --allow-unready).")
@click.option("--actor", help="Who runs this, for the actions log (default: $MFAGUARD_ACTOR, then the login name).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def advance(ctx: click.Context, roster_path: str | None, store: str | None, wave_name: str, out_dir: str | None,
            apply: bool, allow_unready: bool, reason: str | None, actor: str | None, fmt: str) -> int:
    """Mark a wave enforced in the roster and re-render the Terraform, if it is safe.

    Refuses, listing why, when a member has no MFA, when an account would be left without an
    administrator holding MFA, or when the latest audit is older than [rollout] max_snapshot_age_hours.
    """
    from mfaguard.model import utcnow
    from mfaguard.rollout.advance import apply_advance, plan_advance
    from mfaguard.rollout.context import default_actor
    from mfaguard.rollout.log import ActionRecord, RolloutLog
    from mfaguard.rollout.output import advance_dict, advance_text, snapshot_line
    from mfaguard.rollout.readiness import assess_waves
    from mfaguard.rollout.waves import find_wave
    from mfaguard.store import open_store

    if allow_unready and not (reason and reason.strip()):
        raise click.UsageError("--allow-unready needs --reason \"...\" (it is recorded in the actions log)")
    rc = _context(ctx, roster_path, store, out_dir)
    wave = find_wave(rc.waves, wave_name, rc.loaded.path)
    roster = rc.loaded.roster
    now = utcnow()
    with open_store(rc.store_url) as st:
        snapshot = st.latest()
        readiness = assess_waves(roster, rc.waves, snapshot)
        plan_ = plan_advance(
            roster, readiness[wave.index], snapshot, now=now,
            max_age=timedelta(hours=rc.rollout.max_snapshot_age_hours), admin_levels=rc.rollout.admin_levels,
            allow_unready=allow_unready, earlier=readiness[: wave.index],
        )
        stale = _stale_terraform(rc.loaded, rc.terraform_dir)
        if stale:
            # Roster edits not rendered yet would be written along with this wave, unguarded and unlisted.
            shown = ", ".join(stale[:5]) + (", ..." if len(stale) > 5 else "")
            plan_ = dataclasses.replace(plan_, notes=(*plan_.notes, (
                f"the Terraform in {rc.terraform_dir} is not up to date with the roster even before this wave "
                f"({shown}): --apply rewrites it with changes not listed here; run `mfaguard render` and review "
                "that diff first")))
        if fmt == "json":
            _echo_json(advance_dict(plan_))
        else:
            click.echo(snapshot_line(snapshot, now), err=True)
            click.echo(advance_text(plan_, apply=apply), nl=False)
        if not apply:
            return EXIT_ERROR if plan_.refused else 0
        who = actor or default_actor()
        log = RolloutLog(st)
        detail = {"people": list(plan_.to_enforce), "refusals": [r.message for r in plan_.refusals],
                  "overridden": [r.subject for r in plan_.overridden],
                  "changes": [f"{c.account}:{c.resource}:{c.action}" for c in plan_.changes]}
        if plan_.refused:
            log.record_action(ActionRecord(at=utcnow(), actor=who, action="advance", wave=wave.name,
                                           outcome="refused", reason=reason or "", snapshot_id=plan_.snapshot_id,
                                           detail=detail))
            return EXIT_ERROR
        written = apply_advance(rc.loaded, plan_, rc.terraform_dir)
        detail["files"] = [str(p) for p in written]
        log.record_action(ActionRecord(
            at=utcnow(), actor=who, action="advance", wave=wave.name,
            outcome="applied-with-override" if plan_.overridden else "applied", reason=reason or "",
            snapshot_id=plan_.snapshot_id, detail=detail))
    if fmt == "text":
        for path in written:
            click.echo(f"wrote {path}")
        click.echo(f"wave {wave.name}: {len(plan_.to_enforce)} people marked enforced; review and apply the "
                   "Terraform (terraform plan / apply)")
    return 0
