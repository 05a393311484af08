"""``emit``: send one audit's metrics to every configured sink. Never raises for a sink that is down."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from mfaguard.config import MetricsConfig
from mfaguard.metrics import prometheus, statsd
from mfaguard.metrics.naming import Sample, samples
from mfaguard.model import Snapshot

__all__ = ["emit"]

log = logging.getLogger(__name__)


def emit(
    snapshot: Snapshot, metrics: MetricsConfig, *, known_findings: Iterable[str] | Mapping[str, Any] | None = None
) -> list[str]:
    """Emit the snapshot's gauges to StatsD and/or Prometheus as configured.

    Returns human-readable warnings, one per sink that failed; the audit reports them and carries on
    (its snapshot is already stored). ``known_findings``: every finding id the audit can raise (default:
    the audit's catalog), so that a fixed finding reads 0 instead of keeping its last value in StatsD.
    For one shard of a sharded audit, only per-account gauges are sent: a shard's org, team and audit
    numbers are partial; they come from the combined snapshot (``mfaguard audit --combine N``).
    """
    if metrics.statsd is None and metrics.prometheus is None:
        return []
    if known_findings is None:
        from mfaguard.audit.findings import CATALOG

        known_findings = CATALOG
    all_samples: list[Sample] = samples(snapshot, known_findings)
    if snapshot.shard:
        all_samples = [s for s in all_samples if s.per_shard]
    warnings: list[str] = []
    if metrics.statsd is not None:
        cfg = metrics.statsd
        lines = statsd.format_gauges(all_samples, cfg.prefix)
        warnings += _collisions(all_samples)
        warnings += _guard("statsd", lambda: statsd.send(lines, cfg.host, cfg.port, cfg.protocol))
    if metrics.prometheus is not None:
        prom = metrics.prometheus
        if prom.pushgateway or prom.textfile:
            registry = prometheus.build_registry(all_samples)
            if prom.pushgateway:
                gateway = prom.pushgateway
                grouping = {"shard": snapshot.shard.replace("/", "-of-")} if snapshot.shard else {}
                warnings += _guard(
                    "pushgateway", lambda: prometheus.push(registry, gateway, prom.job, grouping)
                )
            if prom.textfile:
                textfile = prom.textfile
                warnings += _guard("textfile", lambda: prometheus.write_textfile(registry, textfile))
    for warning in warnings:
        # Debug only: the caller reports the returned warnings (the CLI prints each once on stderr).
        log.debug("%s", warning)
    return warnings


def _collisions(all_samples: Iterable[Sample]) -> list[str]:
    """Teams whose names differ only in case or punctuation ("Platform", "platform") share one sanitized
    StatsD path, where the last value sent wins; say so rather than graph one of them at random."""
    owners: dict[tuple[str, ...], set[str]] = {}
    for sample in all_samples:
        if sample.path[0] == "team":
            owners.setdefault(sample.path[:2], set()).add(sample.labels.get("team", ""))
    return [
        f"statsd: teams {', '.join(repr(n) for n in sorted(names))} share the path {'.'.join(path)}: "
        "only one of them is graphed; make their names differ in letters or digits"
        for path, names in sorted(owners.items()) if len(names) > 1
    ]


def _guard(sink: str, send) -> list[str]:  # type: ignore[no-untyped-def]
    # Last line of defence: whatever a sink library raises becomes a warning, never a failed audit.
    try:
        return list(send())
    except Exception as exc:
        return [f"{sink}: metrics not sent: {type(exc).__name__}: {exc}"]
