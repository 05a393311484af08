"""Metrics sinks: StatsD gauges and Prometheus (pushgateway, node-exporter textfile).

The naming scheme is documented in docs/metrics.md and implemented once, in ``naming``.
"""

from mfaguard.metrics.emit import emit
from mfaguard.metrics.naming import Sample, samples, sanitize

__all__ = ["Sample", "emit", "samples", "sanitize"]
