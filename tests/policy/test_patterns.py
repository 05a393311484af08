"""Wildcards, ARN segments and policy variables."""

from __future__ import annotations

import time

import pytest

from mfaguard.policy.patterns import Mode, parse_pattern


@pytest.mark.parametrize(("pattern", "value", "mode", "expected"), [
    ("iam:get*", "iam:getuser", Mode.GLOB, True),
    ("iam:*mfa*", "iam:enablemfadevice", Mode.GLOB, True),
    ("iam:?etuser", "iam:getuser", Mode.GLOB, True),
    ("iam:?etuser", "iam:gettuser", Mode.GLOB, False),
    ("s3:[ab]", "s3:a", Mode.GLOB, False),  # brackets are plain characters in IAM
    ("s3:[ab]", "s3:[ab]", Mode.GLOB, True),
    # Resource: a * inside an ARN part stays there, unless it ends the part or the pattern.
    ("arn:aws:iam::*:user/alice", "arn:aws:iam::123456789012:user/alice", Mode.RESOURCE, True),
    ("arn:aws:iam::1?3456789012:user/alice", "arn:aws:iam::123456789012:user/alice", Mode.RESOURCE, True),
    ("arn:aws:dynamodb:*:table/prod-*", "arn:aws:dynamodb:us-east-1:123456789012:table/prod-x", Mode.RESOURCE, True),
    ("arn:aws:dynamodb:us-*1:table/x", "arn:aws:dynamodb:us-east-1:123456789012:table/x", Mode.RESOURCE, False),
    ("arn:aws:iam:*", "arn:aws:iam::123456789012:user/a", Mode.RESOURCE, True),
    ("arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/test/", Mode.RESOURCE, True),
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a:b:c", Mode.RESOURCE, True),  # colons in the resource part
    # ArnLike checks the six parts one by one; a value that is not an ARN never matches.
    ("arn:aws:sns:*:123456789012:topic", "arn:aws:sns:us-east-1:123456789012:topic", Mode.ARN, True),
    ("arn:aws:sns:*:123456789012:topic", "arn:aws:sns:us-east-1:x:123456789012:topic", Mode.ARN, False),
    ("arn:aws:sns:*", "not-an-arn", Mode.ARN, False),
    ("*", "anything", Mode.ARN, False),
])
def test_match(pattern: str, value: str, mode: Mode, expected: bool) -> None:
    assert parse_pattern(pattern).matches(value, mode) is expected


def test_variables_and_defaults() -> None:
    ctx = {"aws:username": ("alice",), "aws:principaltag/team": ("a", "b")}
    p = parse_pattern("home/${aws:username}/*")
    assert p.has_vars
    assert p.matches("home/alice/x", lookup=ctx.get)
    assert not p.matches("home/bob/x", lookup=ctx.get)
    # Absent, or multi-valued: unresolvable without a default; the default when given.
    assert not parse_pattern("${aws:userid}").matches("", lookup=ctx.get)
    assert parse_pattern("${aws:userid, 'anonymous'}").matches("anonymous", lookup=ctx.get)
    assert not parse_pattern("t/${aws:PrincipalTag/team}").matches("t/a", lookup=ctx.get)
    assert parse_pattern("t/${aws:PrincipalTag/team, 'none'}").matches("t/none", lookup=ctx.get)


def test_variable_values_are_literal_and_escapes() -> None:
    ctx = {"aws:username": ("a*",)}
    assert not parse_pattern("u/${aws:username}").matches("u/abc", lookup=ctx.get)
    assert parse_pattern("u/${aws:username}").matches("u/a*", lookup=ctx.get)
    assert parse_pattern("x${*}y").matches("x*y") and not parse_pattern("x${*}y").matches("xzy")
    assert parse_pattern("x${?}").matches("x?") and not parse_pattern("x${?}").matches("xa")
    assert parse_pattern("${$}{aws:username}").matches("${aws:username}")


def test_variables_off_keeps_text() -> None:
    p = parse_pattern("u/${aws:username}", variables=False)
    assert not p.has_vars
    assert p.matches("u/${aws:username}")


def test_case_modes() -> None:
    assert parse_pattern("Bob").matches("bob", ignore_case=True)
    assert not parse_pattern("Bob").matches("bob")
    assert not parse_pattern("a*").matches("ab", wildcards=False)
    assert parse_pattern("a*").matches("a*", wildcards=False)


def test_many_stars_take_linear_time() -> None:
    start = time.monotonic()
    assert not parse_pattern("*a" * 40 + "b").matches("a" * 300)
    assert parse_pattern("*a" * 40).matches("a" * 300)
    assert not parse_pattern("arn:aws:s3:::" + "*a" * 40 + "b").matches("arn:aws:s3:::" + "a" * 300, Mode.RESOURCE)
    assert parse_pattern("a*b*c*d*e*f").matches("a-b-c-d-e-f")
    assert time.monotonic() - start < 2
