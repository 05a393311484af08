"""Every condition operator, IfExists, Null and the set operators with their empty-set semantics."""

from __future__ import annotations

from typing import Any

import pytest

from mfaguard.policy.conditions import BASE_OPERATORS, ConditionValueError, parse_condition


def cond(op: str, key: str, value: Any, context: dict[str, Any] | None = None) -> bool:
    c = parse_condition(op, key, value, variables=True)
    ctx = {k.lower(): (tuple(v) if isinstance(v, list) else (v,)) for k, v in (context or {}).items()}
    return c.evaluate(ctx.get)


CASES = [
    # string
    ("StringEquals", "k", "a", {"k": "a"}, True), ("StringEquals", "k", "a", {"k": "A"}, False),
    ("StringEquals", "k", "a*", {"k": "ab"}, False), ("StringNotEquals", "k", "a", {"k": "b"}, True),
    ("StringNotEquals", "k", ["a", "b"], {"k": "b"}, False),  # NOR over values
    ("StringEqualsIgnoreCase", "k", "ABC", {"k": "abc"}, True),
    ("StringNotEqualsIgnoreCase", "k", "ABC", {"k": "abc"}, False),
    ("StringLike", "k", "a*c", {"k": "abbc"}, True), ("StringLike", "k", "a?c", {"k": "abbc"}, False),
    ("StringNotLike", "k", "a*", {"k": "b"}, True),
    # numeric
    ("NumericEquals", "k", "10", {"k": "10.0"}, True), ("NumericNotEquals", "k", "10", {"k": "11"}, True),
    ("NumericLessThan", "k", "10", {"k": "9.5"}, True), ("NumericLessThan", "k", "10", {"k": "10"}, False),
    ("NumericLessThanEquals", "k", "10", {"k": "10"}, True), ("NumericGreaterThan", "k", "10", {"k": "11"}, True),
    ("NumericGreaterThanEquals", "k", "10", {"k": "9"}, False), ("NumericEquals", "k", "1", {"k": "one"}, False),
    # date: ISO 8601 and epoch
    ("DateEquals", "k", "2020-01-01T00:00:00Z", {"k": "1577836800"}, True),
    ("DateNotEquals", "k", "2020-01-01T00:00:00Z", {"k": "2020-01-02T00:00:00Z"}, True),
    ("DateLessThan", "k", "2020-01-01T00:00:00Z", {"k": "2019-12-31T23:59:59Z"}, True),
    ("DateLessThanEquals", "k", "2020-01-01", {"k": "2020-01-01T00:00:00Z"}, True),
    ("DateGreaterThan", "k", "1577836800", {"k": "2020-06-01T00:00:00+02:00"}, True),
    ("DateGreaterThanEquals", "k", "2020-01-01T00:00:00Z", {"k": "2019-01-01T00:00:00Z"}, False),
    # bool, binary, ip, arn
    ("Bool", "aws:MultiFactorAuthPresent", "true", {"aws:MultiFactorAuthPresent": "true"}, True),
    ("Bool", "aws:MultiFactorAuthPresent", True, {"aws:MultiFactorAuthPresent": "TRUE"}, True),
    ("Bool", "aws:MultiFactorAuthPresent", "false", {"aws:MultiFactorAuthPresent": "true"}, False),
    ("BinaryEquals", "k", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", {"k": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}, True),
    ("BinaryEquals", "k", "QmluYXJ5", {"k": "QmluYXJz"}, False),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "10.1.2.3"}, True),
    ("IpAddress", "aws:SourceIp", "10.0.0.1", {"aws:SourceIp": "10.0.0.1"}, True),  # default /32
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "::1"}, False),
    ("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "192.0.2.1"}, True),
    ("ArnEquals", "k", "arn:aws:sns:*:1:t", {"k": "arn:aws:sns:eu-west-1:1:t"}, True),
    ("ArnLike", "k", "arn:aws:iam::*:role/*", {"k": "arn:aws:iam::1:role/a/b"}, True),
    ("ArnNotEquals", "k", "arn:aws:sns:*:1:t", {"k": "arn:aws:sns:eu-west-1:2:t"}, True),
    ("ArnNotLike", "k", "arn:aws:sns:*:1:t", {"k": "arn:aws:sns:eu-west-1:1:t"}, False),
    # Null
    ("Null", "aws:TokenIssueTime", "true", {}, True), ("Null", "aws:TokenIssueTime", "false", {}, False),
    ("Null", "aws:TokenIssueTime", "false", {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}, True),
    # operator names are matched without regard to case
    ("stringequals", "k", "a", {"k": "a"}, True),
]


@pytest.mark.parametrize(("op", "key", "value", "context", "expected"), CASES)
def test_operator(op: str, key: str, value: Any, context: dict[str, Any], expected: bool) -> None:
    assert cond(op, key, value, context) is expected


def test_every_operator_has_a_case() -> None:
    tested = {c[0].lower() for c in CASES}
    assert {o.lower() for o in BASE_OPERATORS} <= tested


@pytest.mark.parametrize("op", [o for o in BASE_OPERATORS if o != "Null"])
def test_absent_key(op: str) -> None:
    value = {"Bool": "true", "BinaryEquals": "QQ==", "IpAddress": "10.0.0.0/8", "NotIpAddress": "10.0.0.0/8"}.get(
        op, "arn:aws:s3:::x" if op.startswith("Arn") else "2020-01-01T00:00:00Z" if op.startswith("Date")
        else "1" if op.startswith("Numeric") else "a")
    negated = BASE_OPERATORS[op][1]
    # Absent key: positive operators false, negated ones true; IfExists always true.
    assert cond(op, "k", value) is negated
    assert cond(f"{op}IfExists", "k", value) is True
    # ForAllValues: true on an absent or empty key; ForAnyValue: false.
    assert cond(f"ForAllValues:{op}", "k", value) is True
    assert cond(f"ForAllValues:{op}", "k", value, {"k": []}) is True
    assert cond(f"ForAnyValue:{op}", "k", value) is False
    assert cond(f"ForAnyValue:{op}", "k", value, {"k": []}) is False
    assert cond(f"ForAnyValue:{op}IfExists", "k", value) is True


def test_set_operators_with_values() -> None:
    allowed = ["PostDateTime", "Message", "Tags"]
    assert cond("ForAllValues:StringEquals", "k", allowed, {"k": ["Message", "Tags"]})
    assert not cond("ForAllValues:StringEquals", "k", allowed, {"k": ["Message", "ID"]})
    assert cond("ForAnyValue:StringEquals", "k", allowed, {"k": ["ID", "Tags"]})
    assert not cond("ForAnyValue:StringEquals", "k", allowed, {"k": ["ID"]})
    # Negated with set operators: each request value is tested against the NOR of the policy values.
    assert cond("ForAllValues:StringNotLike", "k", "key1*", {"k": ["key2:a", "key3:b"]})
    assert not cond("ForAllValues:StringNotLike", "k", "key1*", {"k": ["key2:a", "key1:b"]})
    assert cond("ForAnyValue:StringNotEquals", "k", ["a", "b"], {"k": ["a", "c"]})
    assert not cond("ForAnyValue:StringNotEquals", "k", ["a", "b"], {"k": ["a", "b"]})
    # Without a set operator a multi-valued key matches when any value does.
    assert cond("StringEquals", "k", "a", {"k": ["b", "a"]})
    assert not cond("StringNotEquals", "k", "a", {"k": ["b", "a"]})


def test_policy_variables_only_where_allowed() -> None:
    ctx = {"aws:username": "alice", "k": "alice"}
    assert cond("StringEquals", "k", "${aws:username}", ctx)
    assert cond("ArnLike", "k2", "arn:aws:iam::*:user/${aws:username}", {**ctx, "k2": "arn:aws:iam::1:user/alice"})
    assert cond("Bool", "b", "${aws:username}", {**ctx, "b": "alice"})
    # An unresolvable variable matches nothing: a negated operator is then true.
    assert not cond("StringEquals", "k", "${aws:PrincipalTag/x}", ctx)
    assert cond("StringNotEquals", "k", "${aws:PrincipalTag/x}", ctx)


@pytest.mark.parametrize(("op", "value", "message"), [
    ("StringEqulas", "a", "unknown condition operator 'StringEqulas'"),
    ("ForSomeValues:StringEquals", "a", "unknown set operator 'ForSomeValues'"),
    ("NullIfExists", "true", "Null takes neither IfExists"),
    ("ForAnyValue:Null", "true", "Null takes neither IfExists"),
    ("Null", "maybe", "Null value must be true or false"),
    ("Bool", "yes", "Bool value must be true or false"),
    ("NumericEquals", "ten", "numeric value expected"),
    ("DateEquals", "yesterday", "date value expected"),
    ("IpAddress", "10.0.0.300/8", "IP address or CIDR expected"),
    ("BinaryEquals", "not base64!", "must be base-64"),
    ("StringEquals", {"a": 1}, "must be a string, number or boolean"),
    ("StringEquals", [], "has no values"),
])
def test_bad_conditions(op: str, value: Any, message: str) -> None:
    with pytest.raises(ConditionValueError, match=message.replace("(", r"\(")):
        parse_condition(op, "k", value, variables=True)


def test_request_carries_the_current_time() -> None:
    # AWS includes aws:CurrentTime and aws:EpochTime in every request: time-boxed access must evaluate.
    from mfaguard.policy.document import parse_policy
    from mfaguard.policy.evaluation import PolicySet, evaluate
    from mfaguard.policy.request import Request

    def until(when: str) -> PolicySet:
        return PolicySet((parse_policy({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"DateLessThan": {"aws:CurrentTime": when},
                           "NumericLessThan": {"aws:EpochTime": "4102444800"}}},
        ]}),))

    alice = "arn:aws:iam::123456789012:user/alice"
    assert evaluate(until("2100-01-01T00:00:00Z"), Request.build(alice, "s3:GetObject")).allowed
    assert not evaluate(until("2020-01-01T00:00:00Z"), Request.build(alice, "s3:GetObject")).allowed
    fixed = Request.build(alice, "s3:GetObject", context={"aws:CurrentTime": "2019-06-01T00:00:00Z"})
    assert evaluate(until("2020-01-01T00:00:00Z"), fixed).allowed  # a given time wins


def test_sign_in_contexts_carry_a_token_issue_time() -> None:
    # Deny "unless temporary credentials" (Null aws:TokenIssueTime): only long-term keys are refused.
    from mfaguard.policy.document import parse_policy
    from mfaguard.policy.evaluation import PolicySet, evaluate
    from mfaguard.policy.request import MFA_CONTEXTS, Request

    policies = PolicySet((parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Null": {"aws:TokenIssueTime": "true"}}},
    ]}),))
    alice = "arn:aws:iam::123456789012:user/alice"
    got = {ctx: evaluate(policies, Request.build(alice, "ec2:DescribeInstances", "*", keys)).outcome
           for ctx, keys in MFA_CONTEXTS.items()}
    assert got == {"access-keys": "explicit-deny", "no-mfa": "allow", "mfa": "allow"}
