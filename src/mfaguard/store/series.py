"""Adoption time series: group history points by key, changes, sparklines, the JSON/CSV schema.

Pure functions over what ``Store.history`` returns; ``mfaguard history`` and reports render them.
The JSON and CSV shapes are a stable interface documented in docs/store.md: add fields, never rename.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mfaguard.model import Adoption

__all__ = [
    "CSV_FIELDS",
    "HISTORY_SCHEMA_VERSION",
    "Series",
    "build_series",
    "csv_rows",
    "history_document",
    "sparkline",
]

HISTORY_SCHEMA_VERSION = 1
CSV_FIELDS = (
    "taken_at",
    "scope",
    "key",
    "label",
    "users",
    "in_scope",
    "with_mfa",
    "enforced",
    "console_without_mfa",
    "keys_without_mfa",
    "pct",
)
_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], *, lo: float = 0.0, hi: float = 100.0, width: int | None = None) -> str:
    """One block character per value on a fixed lo..hi scale (keep the newest ``width`` values).

    A fixed 0-100 scale rather than min..max: a move from 99.0 % to 99.1 % is noise, not a cliff.
    """
    if width is not None and len(values) > width:
        values = values[len(values) - width :]
    span = hi - lo
    out = []
    for value in values:
        frac = 1.0 if span <= 0 else (min(max(value, lo), hi) - lo) / span
        out.append(_BLOCKS[round(frac * (len(_BLOCKS) - 1))])
    return "".join(out)


@dataclass(frozen=True)
class Series:
    scope: str
    key: str
    label: str
    points: tuple[tuple[datetime, Adoption], ...]

    @property
    def latest(self) -> Adoption:
        return self.points[-1][1]

    @property
    def pcts(self) -> list[float]:
        return [a.pct for _, a in self.points]

    @property
    def change(self) -> float | None:
        """Percentage points gained since the first point in the window; None with a single point."""
        if len(self.points) < 2:
            return None
        return round(self.points[-1][1].pct - self.points[0][1].pct, 2)

    def steps(self) -> Iterator[tuple[datetime, Adoption, float | None]]:
        """Each point with its change from the previous one."""
        previous: float | None = None
        for taken_at, adoption in self.points:
            yield taken_at, adoption, None if previous is None else round(adoption.pct - previous, 2)
            previous = adoption.pct


def build_series(history: Iterable[tuple[datetime, Adoption]]) -> list[Series]:
    """One series per (scope, key), points oldest first, series ordered by label then key."""
    grouped: dict[tuple[str, str], list[tuple[datetime, Adoption]]] = {}
    for taken_at, adoption in history:
        grouped.setdefault((adoption.scope, adoption.key), []).append((taken_at, adoption))
    series = [
        Series(scope, key, points[-1][1].label or key, tuple(sorted(points, key=lambda p: p[0])))
        for (scope, key), points in grouped.items()
    ]
    return sorted(series, key=lambda s: (s.label.casefold(), s.key))


def _point(taken_at: datetime, adoption: Adoption) -> dict[str, Any]:
    return {
        "taken_at": taken_at.isoformat(),
        "users": adoption.users,
        "in_scope": adoption.in_scope,
        "with_mfa": adoption.with_mfa,
        "enforced": adoption.enforced,
        "console_without_mfa": adoption.console_without_mfa,
        "keys_without_mfa": adoption.keys_without_mfa,
        "pct": adoption.pct,
    }


def history_document(series: Sequence[Series], scope: str, since: datetime | None = None) -> dict[str, Any]:
    """The ``--format json`` document."""
    return {
        "kind": "mfaguard.history",
        "schema_version": HISTORY_SCHEMA_VERSION,
        "scope": scope,
        "since": since.isoformat() if since else None,
        "series": [
            {
                "scope": s.scope,
                "key": s.key,
                "label": s.label,
                "latest_pct": s.latest.pct,
                "change": s.change,
                "points": [_point(t, a) for t, a in s.points],
            }
            for s in series
        ],
    }


def csv_rows(series: Sequence[Series]) -> Iterator[dict[str, Any]]:
    """The ``--format csv`` rows (columns ``CSV_FIELDS``): one per key and snapshot."""
    for s in series:
        for taken_at, adoption in s.points:
            yield {"scope": s.scope, "key": s.key, "label": s.label, **_point(taken_at, adoption)}
