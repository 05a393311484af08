"""The whole rollout at a glance: per wave and team, enforced / ready / blocked, and the trend. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mfaguard.model import Snapshot
from mfaguard.rollout.readiness import WaveReadiness, assess_waves
from mfaguard.rollout.waves import Wave
from mfaguard.roster.model import Roster

__all__ = ["TrendPoint", "WaveTrend", "wave_trends"]


@dataclass(frozen=True)
class TrendPoint:
    taken_at: datetime
    snapshot_id: str
    with_mfa: int  # members (not exempt) all of whose active IAM users hold MFA
    members: int

    @property
    def pct(self) -> float:
        return 100.0 if self.members == 0 else round(100.0 * self.with_mfa / self.members, 1)


@dataclass(frozen=True)
class WaveTrend:
    wave: str
    points: tuple[TrendPoint, ...]


def _point(r: WaveReadiness, snapshot: Snapshot) -> TrendPoint:
    counted = [p for p in r.people if p.status != "exempt"]
    return TrendPoint(snapshot.taken_at, snapshot.id, sum(1 for p in counted if p.mfa_complete), len(counted))


def wave_trends(roster: Roster, waves: list[Wave], snapshots: list[Snapshot]) -> list[WaveTrend]:
    """MFA coverage of each wave's members in each snapshot (oldest first), with today's roster."""
    ordered = sorted(snapshots, key=lambda s: (s.taken_at, s.id))
    per_snapshot = [(s, assess_waves(roster, waves, s)) for s in ordered]
    return [
        WaveTrend(w.name, tuple(_point(readiness[i], s) for s, readiness in per_snapshot))
        for i, w in enumerate(waves)
    ]
