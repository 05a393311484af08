"""The audit: collect IAM facts per account, evaluate them into a snapshot.

Public API: ``run_audit`` (I/O: discovery + concurrent collection) and ``evaluate`` (pure).
"""

from mfaguard.audit.evaluate import evaluate
from mfaguard.audit.runner import AuditResult, run_audit

__all__ = ["AuditResult", "evaluate", "run_audit"]
