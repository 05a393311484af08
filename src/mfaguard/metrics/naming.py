"""The metric naming scheme (docs/metrics.md), as pure functions of a snapshot.

Every sink reads the same list of ``Sample``s, so StatsD paths and Prometheus names cannot drift apart.
A sample has a Graphite-style dotted path (StatsD) and a Prometheus family name with labels.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mfaguard.model import Adoption, Snapshot

__all__ = ["ADOPTION_FIELDS", "Sample", "samples", "sanitize"]

_UNSAFE = re.compile(r"[^a-z0-9_-]+")

# Adoption field -> (StatsD leaf, Prometheus suffix, help). Percent for StatsD (what people read on a
# Graphite graph), ratio for Prometheus (its convention).
ADOPTION_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("users", "users", "users", "IAM users, in scope or not"),
    ("in_scope", "in_scope", "in_scope_users", "users who can sign in or hold an active access key"),
    ("with_mfa", "users_mfa", "mfa_users", "in-scope users with an active MFA device"),
    ("enforced", "enforced", "enforced_users", "users under a force-MFA policy"),
    ("console_without_mfa", "console_without_mfa", "console_without_mfa_users", "console users without MFA"),
    ("keys_without_mfa", "keys_without_mfa", "keys_without_mfa_users", "users with active keys and no MFA"),
)


@functools.lru_cache(maxsize=8192)  # the same account ids and finding ids come back thousands of times
def sanitize(segment: str) -> str:
    """One path segment: lower case, ``[a-z0-9_-]`` only, never empty.

    Dots would split the Graphite tree and StatsD drops or rewrites most other characters itself, so
    we do it first, the same way every time (``Platform Team/EU`` -> ``platform_team_eu``).
    """
    cleaned = _UNSAFE.sub("_", segment.strip().lower()).strip("_")
    return cleaned or "unknown"


@dataclass(frozen=True)
class Sample:
    path: tuple[str, ...]  # StatsD/Graphite path below the prefix, already sanitized
    family: str  # Prometheus metric name without the "mfaguard_" namespace
    value: float
    labels: dict[str, str] = field(default_factory=dict)
    help: str = ""
    per_shard: bool = True  # meaningful for one shard of a sharded audit (org/team totals are not)
    prom_scale: float = 1.0  # Prometheus value = value * prom_scale (percent -> ratio)

    @property
    def prom_value(self) -> float:
        return self.value * self.prom_scale


def samples(snapshot: Snapshot, known_findings: Iterable[str] | Mapping[str, Any] = ()) -> list[Sample]:
    """Every gauge of one audit. ``known_findings`` get a 0 where absent, so a fixed finding reads 0;
    given as a mapping of id -> spec (the audit's catalog), the spec's ``severity`` labels them, so that a
    finding's Prometheus series keeps the same labels whether or not it is open."""
    out: list[Sample] = []
    names = {a.id: a.name for a in snapshot.accounts}
    failed = snapshot.failed_accounts
    for adoption in snapshot.adoption:
        # A failed account has no user list: its "100% of 0 users" would be a lie on a graph.
        if adoption.scope == "account" and adoption.key in failed:
            continue
        out.extend(_adoption_samples(adoption, names))

    finding_ids = sorted({f.id for f in snapshot.findings} | set(known_findings))
    org_counts = Counter(f.id for f in snapshot.findings)
    account_counts = Counter((f.account_id, f.id) for f in snapshot.findings)
    severity = {f.id: f.severity.value for f in snapshot.findings}
    if isinstance(known_findings, Mapping):
        for fid, spec in known_findings.items():
            if getattr(spec, "severity", None) is not None:
                severity.setdefault(fid, str(getattr(spec.severity, "value", spec.severity)))
    for fid in finding_ids:
        out.append(
            Sample(
                ("org", "findings", sanitize(fid)), "org_findings", org_counts[fid],
                {"finding": fid, "severity": severity.get(fid, "")}, "open findings by id", per_shard=False,
            )
        )
    for account in snapshot.accounts:
        for fid in finding_ids:
            out.append(
                Sample(
                    ("account", sanitize(account.id), "findings", sanitize(fid)), "account_findings",
                    account_counts[(account.id, fid)],
                    {"account_id": account.id, "account_name": account.name, "finding": fid,
                     "severity": severity.get(fid, "")},
                    "open findings by account and id",
                )
            )

    audit = [
        ("duration_seconds", snapshot.duration_s, "wall time of the audit"),
        ("accounts", len(snapshot.accounts), "accounts audited"),
        ("failed_accounts", len(failed), "accounts whose IAM data could not be collected"),
        ("api_calls", snapshot.api_calls, "AWS API calls the audit made"),
        ("last_timestamp_seconds", snapshot.taken_at.timestamp(), "when the audit ran (Unix time)"),
    ]
    for leaf, value, help_ in audit:
        # A shard's duration or failures would overwrite the whole audit's in StatsD: org-level only.
        out.append(Sample(("audit", leaf), f"audit_{leaf}", float(value), {}, help_, per_shard=False))
    for account in snapshot.accounts:
        out.append(
            Sample(
                ("account", sanitize(account.id), "failed"), "account_failed", 1.0 if account.id in failed else 0.0,
                {"account_id": account.id, "account_name": account.name},
                "1 when the account could not be audited",
            )
        )
    return out


def _adoption_samples(adoption: Adoption, names: dict[str, str]) -> list[Sample]:
    if adoption.scope == "org":
        base: tuple[str, ...] = ("org",)
        labels: dict[str, str] = {}
    elif adoption.scope == "account":
        base = ("account", sanitize(adoption.key))
        labels = {"account_id": adoption.key, "account_name": names.get(adoption.key, adoption.label)}
    else:
        base = (sanitize(adoption.scope), sanitize(adoption.key))
        labels = {adoption.scope: adoption.key}
    per_shard = adoption.scope == "account"
    family = sanitize(adoption.scope)
    out = [
        Sample((*base, leaf), f"{family}_{suffix}", float(getattr(adoption, attr)), labels, help_, per_shard)
        for attr, leaf, suffix, help_ in ADOPTION_FIELDS
    ]
    out.append(
        Sample((*base, "adoption_pct"), f"{family}_mfa_adoption_ratio", adoption.pct, labels,
               "share of in-scope users with MFA (0..1)", per_shard, prom_scale=0.01)
    )
    return out
