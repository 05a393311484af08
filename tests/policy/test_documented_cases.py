"""The corpus of cases from AWS's documentation: every documented decision must come out the same."""

from __future__ import annotations

from typing import Any

import pytest

from mfaguard.policy.document import parse_policy
from mfaguard.policy.evaluation import PolicySet, evaluate
from mfaguard.policy.request import Request
from tests.policy.documented_cases import CASES


def _run(case: dict[str, Any]):
    identity = tuple(parse_policy(p, name=f"policy{i}") for i, p in enumerate(case["policies"]))
    boundary = parse_policy(case["boundary"], name="boundary", kind="boundary") if case["boundary"] else None
    trust = parse_policy(case["trust"], name="trust", kind="trust") if case["trust"] else None
    if case["resource_policy"]:
        trust = parse_policy(case["resource_policy"], name="resource", kind="resource")
    policies = PolicySet(identity, boundary, trust, case["resource_account"])
    return evaluate(policies, Request.build(case["principal"], case["action"], case["resource"], case["context"]))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_documented_decision(case: dict[str, Any]) -> None:
    decision = _run(case)
    assert decision.outcome == case["expect"], f"{case['doc']}: {case['why'] or case['id']} ({decision.reason})"
    if case["statements"]:
        assert {s.sid for s in decision.statements} >= set(case["statements"])


def test_corpus_covers_every_outcome_and_many_pages() -> None:
    assert {c["expect"] for c in CASES} == {"allow", "explicit-deny", "implicit-deny"}
    assert len({c["doc"] for c in CASES}) >= 10
    assert len({c["id"] for c in CASES}) == len(CASES)
