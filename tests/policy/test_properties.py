"""Property-based tests (hypothesis) of the evaluation logic."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mfaguard.policy.conditions import BASE_OPERATORS, parse_condition
from mfaguard.policy.document import parse_policy
from mfaguard.policy.evaluation import PolicySet, evaluate, statement_matches
from mfaguard.policy.request import Request

ACCT = "123456789012"
ACTIONS = ["s3:GetObject", "s3:PutObject", "iam:GetUser", "iam:CreateAccessKey", "ec2:RunInstances"]
ACTION_PATTERNS = [*ACTIONS, "s3:*", "*", "iam:Get*", "iam:*Access*", "ec2:?unInstances", "IAM:getuser"]
RESOURCES = ["*", f"arn:aws:iam::{ACCT}:user/alice", f"arn:aws:iam::{ACCT}:user/bob", "arn:aws:s3:::b/k",
             "arn:aws:s3:::b/home/alice/x"]
RESOURCE_PATTERNS = ["*", "arn:aws:iam::*:user/${aws:username}", "arn:aws:s3:::b/*", "arn:aws:iam::*:user/*",
                     "arn:aws:s3:::b/home/${aws:username}/*", "arn:aws:s3:::other"]
CONDITIONS = [
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"StringEquals": {"aws:PrincipalTag/team": "red"}},
    {"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "red"}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": "key1*"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
    {"Null": {"aws:TokenIssueTime": "true"}},
]
CONTEXT_VALUES: dict[str, list[Any]] = {
    "aws:MultiFactorAuthPresent": [True, False],
    "aws:MultiFactorAuthAge": [10, 7200],
    "aws:PrincipalTag/team": ["red", "blue"],
    "aws:SourceIp": ["10.1.2.3", "192.0.2.1"],
    "aws:TagKeys": [["a"], ["key1x", "c"], []],
    "aws:TokenIssueTime": ["2024-01-01T00:00:00Z"],
}


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    s["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = draw(
        st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3))
    s["NotResource" if draw(st.integers(0, 4)) == 0 else "Resource"] = draw(
        st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2))
    conds = draw(st.lists(st.sampled_from(CONDITIONS), max_size=2))
    if conds:
        merged: dict[str, Any] = {}
        for c in conds:
            for op, block in c.items():
                merged.setdefault(op, {}).update(block)
        s["Condition"] = merged
    return s


@st.composite
def requests(draw: st.DrawFn) -> Request:
    user = draw(st.sampled_from(["alice", "bob"]))
    keys = draw(st.lists(st.sampled_from(sorted(CONTEXT_VALUES)), unique=True))
    context = {k: draw(st.sampled_from(CONTEXT_VALUES[k])) for k in keys}
    return Request.build(f"arn:aws:iam::{ACCT}:user/{user}", draw(st.sampled_from(ACTIONS)),
                         draw(st.sampled_from(RESOURCES)), context)


def policy_of(stmts: list[dict[str, Any]], name: str = "p") -> Any:
    return parse_policy({"Version": "2012-10-17", "Statement": stmts}, name=name)


@settings(max_examples=200, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=6), requests())
def test_explicit_deny_always_wins(stmts: list[dict[str, Any]], req: Request) -> None:
    pol = policy_of(stmts)
    decision = evaluate(PolicySet((pol,)), req)
    denies = [s for s in pol.statements if s.effect == "Deny" and statement_matches(s, req)]
    if denies:
        assert decision.outcome == "explicit-deny"
        assert set(decision.statements) == set(denies)
    else:
        assert decision.outcome != "explicit-deny"
    allows = [s for s in pol.statements if s.effect == "Allow" and statement_matches(s, req)]
    assert decision.allowed == (bool(allows) and not denies)


PRINCIPALS: list[Any] = ["*", {"AWS": f"arn:aws:iam::{ACCT}:root"}, {"AWS": f"arn:aws:iam::{ACCT}:user/alice"},
                         {"AWS": [f"arn:aws:iam::{ACCT}:root", f"arn:aws:iam::{ACCT}:user/bob"]}]


@st.composite
def resource_statements(draw: st.DrawFn) -> dict[str, Any]:
    s = draw(statements())
    not_principal = s["Effect"] == "Deny" and draw(st.booleans())
    s["NotPrincipal" if not_principal else "Principal"] = draw(st.sampled_from(PRINCIPALS[1:] if not_principal
                                                                                else PRINCIPALS))
    return s


@settings(max_examples=200, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4), st.lists(statements(), max_size=3),
       st.lists(resource_statements(), max_size=3), requests())
def test_explicit_deny_in_any_policy_type_wins(identity: list[dict[str, Any]], boundary: list[dict[str, Any]],
                                               resource: list[dict[str, Any]], req: Request) -> None:
    b = policy_of(boundary, "boundary") if boundary else None
    r = parse_policy({"Version": "2012-10-17", "Statement": resource}, name="resource", kind="resource") \
        if resource else None
    policies = PolicySet((policy_of(identity),), b, r)
    decision = evaluate(policies, req)
    denies = [s for pol in policies.all_policies() for s in pol.statements
              if s.effect == "Deny" and statement_matches(s, req, has_boundary=b is not None)]
    assert (decision.outcome == "explicit-deny") == bool(denies)
    if denies:
        assert set(decision.statements) == set(denies)


@settings(max_examples=200, deadline=None)
@given(statements(effect="Allow"), st.lists(statements(), max_size=4), statements(effect="Allow"), requests(),
       st.lists(statements(), max_size=3))
def test_adding_an_allow_never_removes_access(first: dict[str, Any], rest: list[dict[str, Any]],
                                              extra: dict[str, Any], req: Request,
                                              boundary: list[dict[str, Any]]) -> None:
    # An Allow first, so that the "before" request is allowed often enough to test something.
    stmts = [first, *rest]
    b = policy_of(boundary, "boundary") if boundary else None
    before = evaluate(PolicySet((policy_of(stmts),), b), req)
    after = evaluate(PolicySet((policy_of([*stmts, extra]),), b), req)
    if before.allowed:
        assert after.allowed
    # ...in a policy of its own too
    assert evaluate(PolicySet((policy_of(stmts), policy_of([extra], "extra")), b), req).allowed >= before.allowed


@settings(max_examples=200, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=5), statements(effect="Deny"), requests())
def test_adding_a_deny_never_adds_access(stmts: list[dict[str, Any]], extra: dict[str, Any], req: Request) -> None:
    before = evaluate(PolicySet((policy_of(stmts),)), req)
    after = evaluate(PolicySet((policy_of(stmts), policy_of([extra], "deny"))), req)
    if not before.allowed:
        assert not after.allowed


_SAMPLE_VALUES = {
    "string": st.text(min_size=1, max_size=5), "string_ci": st.text(min_size=1, max_size=5),
    "string_like": st.text(min_size=1, max_size=5), "arn": st.just("arn:aws:s3:::b"),
    "bool": st.sampled_from(["true", "false"]), "binary": st.just("QQ=="),
    "ip": st.sampled_from(["10.0.0.0/8", "2001:db8::/32"]),
}


@st.composite
def if_exists_conditions(draw: st.DrawFn) -> tuple[str, Any]:
    base = draw(st.sampled_from([o for o in BASE_OPERATORS if o != "Null"]))
    family = BASE_OPERATORS[base][0]
    if family.startswith("num"):
        value: Any = str(draw(st.integers(-1000, 1000)))
    elif family.startswith("date"):
        value = str(draw(st.integers(0, 2_000_000_000)))
    else:
        value = draw(_SAMPLE_VALUES[family])
    prefix = draw(st.sampled_from(["", "ForAllValues:", "ForAnyValue:"]))
    return f"{prefix}{base}IfExists", draw(st.lists(st.just(value), min_size=1, max_size=2))


@settings(max_examples=200, deadline=None)
@given(if_exists_conditions(), st.dictionaries(st.sampled_from(["a", "b"]), st.just(("x",))))
def test_if_exists_with_absent_key_matches(condition: tuple[str, Any], other: dict[str, tuple[str, ...]]) -> None:
    op, values = condition
    c = parse_condition(op, "mfaguard:AbsentKey", values, variables=True)
    assert c.evaluate(other.get) is True
