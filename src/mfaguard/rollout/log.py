"""The rollout's two logs in the store: actions (who, when, what, why) and notifications sent.

Tables come from store migration 2 (``rollout_actions``, ``rollout_notifications``, see docs/store.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from mfaguard.store import Store
from mfaguard.store.schema import rollout_actions, rollout_notifications

__all__ = ["ActionRecord", "NotificationRecord", "RolloutLog"]


@dataclass(frozen=True)
class ActionRecord:
    at: datetime
    actor: str
    action: str  # notify | advance
    wave: str
    outcome: str  # sent | applied | refused | overridden ...
    reason: str = ""
    snapshot_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NotificationRecord:
    wave: str
    person: str
    email: str
    sent_at: datetime
    message_id: str
    snapshot_id: str | None = None


class RolloutLog:
    """Reads and appends the rollout logs of one open store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record_action(self, record: ActionRecord) -> None:
        with self.store.writing("recording a rollout action") as conn:
            conn.execute(insert(rollout_actions).values(
                at=record.at, actor=record.actor, action=record.action, wave=record.wave, outcome=record.outcome,
                reason=record.reason, snapshot_id=record.snapshot_id, detail=record.detail,
            ))

    def actions(self, wave: str | None = None, limit: int | None = None) -> list[ActionRecord]:
        """Newest first."""
        c = rollout_actions.c
        query = select(rollout_actions).order_by(c.at.desc(), c.id.desc())
        if wave is not None:
            query = query.where(c.wave == wave)
        if limit:
            query = query.limit(limit)
        with self.store.reading("reading the rollout actions") as conn:
            return [
                ActionRecord(at=r.at, actor=r.actor, action=r.action, wave=r.wave, outcome=r.outcome, reason=r.reason,
                             snapshot_id=r.snapshot_id, detail=dict(r.detail or {}))
                for r in conn.execute(query)
            ]

    def record_notification(self, record: NotificationRecord) -> None:
        with self.store.writing("recording a notification") as conn:
            conn.execute(insert(rollout_notifications).values(
                wave=record.wave, person=record.person, email=record.email, sent_at=record.sent_at,
                message_id=record.message_id, snapshot_id=record.snapshot_id,
            ))

    def notifications(self, wave: str | None = None) -> list[NotificationRecord]:
        """Oldest first."""
        c = rollout_notifications.c
        query = select(rollout_notifications).order_by(c.sent_at, c.id)
        if wave is not None:
            query = query.where(c.wave == wave)
        with self.store.reading("reading the notification log") as conn:
            return [
                NotificationRecord(wave=r.wave, person=r.person, email=r.email, sent_at=r.sent_at,
                                   message_id=r.message_id, snapshot_id=r.snapshot_id)
                for r in conn.execute(query)
            ]

    def notified(self, wave: str) -> set[str]:
        return {n.person for n in self.notifications(wave)}
