"""The staged MFA rollout: waves of teams and people, readiness from the audit, notification, guarded advance.

Public API (pure core):
    parse_waves(loaded_roster) -> list[Wave]; find_wave(waves, name)     the roster's waves: section
    assess_waves(roster, waves, snapshot) -> list[WaveReadiness]          readiness from the latest audit
    check_advance(...) / admin_guard / freshness_guard / unready_guard   the guards of `advance`
    plan_advance(...) -> AdvancePlan; membership_changes(before, after)   what enforcing a wave changes
    plan_notifications(...) -> NotifyPlan; render_messages(...) -> list[Message]
    wave_trends(roster, waves, snapshots) -> list[WaveTrend]
I/O at the edges:
    apply_advance(loaded, plan, terraform_dir)    roster edit (comments kept) + re-render, all or nothing
    send_messages(messages, smtp_settings, ...)   SMTP, rate-limited
    RolloutLog(store)                             actions and notification logs in the store
    load_settings(config.extra)                   [rollout], [notify], [smtp]
"""

from __future__ import annotations

from mfaguard.rollout.advance import AdvancePlan, MembershipChange, apply_advance, membership_changes, plan_advance
from mfaguard.rollout.guards import Refusal, admin_guard, check_advance, freshness_guard, unready_guard
from mfaguard.rollout.log import ActionRecord, NotificationRecord, RolloutLog
from mfaguard.rollout.notify import Message, NotifyPlan, plan_notifications, render_messages
from mfaguard.rollout.readiness import PersonReadiness, UserCheck, WaveReadiness, assess_wave, assess_waves
from mfaguard.rollout.settings import NotifySettings, RolloutSettings, SmtpSettings, load_settings
from mfaguard.rollout.smtp import SmtpError, send_messages
from mfaguard.rollout.status import TrendPoint, WaveTrend, wave_trends
from mfaguard.rollout.waves import Wave, find_wave, parse_waves

__all__ = [
    "ActionRecord",
    "AdvancePlan",
    "MembershipChange",
    "Message",
    "NotificationRecord",
    "NotifyPlan",
    "NotifySettings",
    "PersonReadiness",
    "Refusal",
    "RolloutLog",
    "RolloutSettings",
    "SmtpError",
    "SmtpSettings",
    "TrendPoint",
    "UserCheck",
    "Wave",
    "WaveReadiness",
    "WaveTrend",
    "admin_guard",
    "apply_advance",
    "assess_wave",
    "assess_waves",
    "check_advance",
    "find_wave",
    "freshness_guard",
    "load_settings",
    "membership_changes",
    "parse_waves",
    "plan_advance",
    "plan_notifications",
    "render_messages",
    "send_messages",
    "unready_guard",
    "wave_trends",
]
