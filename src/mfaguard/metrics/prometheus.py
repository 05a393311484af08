"""Prometheus exposition: one registry per audit, pushed to a pushgateway or written as a textfile."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from urllib.error import URLError

from mfaguard.errors import MissingExtraError
from mfaguard.metrics.naming import Sample

__all__ = ["NAMESPACE", "build_registry", "push", "write_textfile"]

NAMESPACE = "mfaguard"


def build_registry(samples: Iterable[Sample]):  # type: ignore[no-untyped-def]
    """A fresh ``CollectorRegistry`` holding every sample as a gauge (one family per name)."""
    try:
        from prometheus_client import CollectorRegistry, Gauge
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise MissingExtraError("metrics", "prometheus_client") from None
    registry = CollectorRegistry()
    families: dict[str, Gauge] = {}
    for sample in samples:
        gauge = families.get(sample.family)
        if gauge is None:
            gauge = Gauge(
                sample.family, sample.help or sample.family, labelnames=sorted(sample.labels),
                namespace=NAMESPACE, registry=registry,
            )
            families[sample.family] = gauge
        child = gauge.labels(**sample.labels) if sample.labels else gauge
        child.set(sample.prom_value)
    return registry


def push(registry, gateway: str, job: str, grouping_key: dict[str, str], timeout: float = 10.0) -> list[str]:  # type: ignore[no-untyped-def]
    """PUT the registry as the job's group (replacing the previous audit's metrics); warnings, no raise."""
    from prometheus_client import push_to_gateway

    try:
        push_to_gateway(gateway, job=job, registry=registry, grouping_key=grouping_key, timeout=timeout)
    except (URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return [f"prometheus pushgateway {gateway}: metrics not pushed: {reason}"]
    return []


def write_textfile(registry, path: str | os.PathLike[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Write for node-exporter's textfile collector; atomic (temp file + rename in the same folder), so
    the collector never reads half a file."""
    from prometheus_client import write_to_textfile

    target = Path(path)
    from mfaguard.fileio import is_special

    if is_special(target):
        # The client renames a temporary file over the target: never over a device such as /dev/null.
        return [f"prometheus textfile {target}: not written: not a regular file"]
    try:
        write_to_textfile(str(target), registry)
    except OSError as exc:
        return [f"prometheus textfile {target}: not written: {exc.strerror or exc}"]
    if not target.name.endswith(".prom"):
        return [f"prometheus textfile {target}: written, but node-exporter only reads files ending in .prom"]
    return []
