"""Malformed policies, unknown operators and actions: clear messages naming the file, line and field."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mfaguard.errors import InputError
from mfaguard.policy.document import parse_policy
from mfaguard.policy.properties import parse_properties
from mfaguard.policy.verification import check_action

GOOD = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def test_invalid_json_names_line() -> None:
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}'
    with pytest.raises(InputError) as exc:
        parse_policy(text, name="p", source="policies/dev.json")
    assert exc.value.line == 4
    assert str(exc.value).startswith("policies/dev.json:4: policy is not valid JSON")


@pytest.mark.parametrize(("statement", "field", "message"), [
    ({**GOOD, "Effect": "allow"}, "Statement[0].Effect", 'Effect must be "Allow" or "Deny"'),
    ({"Effect": "Allow", "Resource": "*"}, "Statement[0].Action", "exactly one of Action or NotAction"),
    ({**GOOD, "NotAction": "s3:*"}, "Statement[0].Action", "exactly one of Action or NotAction"),
    ({**GOOD, "Action": "GetObject"}, "Statement[0].Action", "'GetObject' is not an action"),
    ({**GOOD, "Action": []}, "Statement[0].Action", "must not be an empty list"),
    ({**GOOD, "Action": [1]}, "Statement[0].Action", "must be a string or a list of strings"),
    ({"Effect": "Allow", "Action": "s3:*"}, "Statement[0].Resource", "needs Resource or NotResource"),
    ({**GOOD, "NotResource": "*"}, "Statement[0].Resource", "Resource or NotResource, not both"),
    ({**GOOD, "Actions": "s3:*"}, "Statement[0].Actions", "unknown statement element 'Actions'"),
    ({**GOOD, "Principal": "*"}, "Statement[0].Principal", "identity policies cannot name a Principal"),
    ({**GOOD, "Condition": {"StringEqulas": {"k": "v"}}}, "Statement[0].Condition.StringEqulas.k",
     "unknown condition operator 'StringEqulas'"),
    ({**GOOD, "Condition": {"Bool": "true"}}, "Statement[0].Condition.Bool", "must map condition keys"),
    ({**GOOD, "Condition": []}, "Statement[0].Condition", "Condition must be an object"),
    ({**GOOD, "Sid": 3}, "Statement[0].Sid", "Sid must be a string"),
])
def test_bad_statement(statement: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_policy({"Version": "2012-10-17", "Statement": [statement]}, name="p", source="p.json")
    assert exc.value.field == field
    assert message in str(exc.value)


@pytest.mark.parametrize(("doc", "message"), [
    ([], "a policy must be a JSON object"),
    ({"Version": "2012-10-17"}, "missing Statement"),
    ({"Version": "2012-10-17", "Statement": []}, "non-empty list"),
    ({"Version": "2020-01-01", "Statement": [GOOD]}, "unknown policy language Version"),
    ({"Version": "2012-10-17", "Statement": [GOOD], "Statements": []}, "unknown element(s) ['Statements']"),
    ({"Version": "2012-10-17", "Statement": ["s3:*"]}, "each statement must be a JSON object"),
])
def test_bad_document(doc: Any, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse_policy(doc, name="p")


def test_trust_policy_needs_principal() -> None:
    with pytest.raises(InputError, match="needs Principal or NotPrincipal"):
        parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
                     kind="trust")
    with pytest.raises(InputError, match="unknown principal type 'Aws'"):
        parse_policy({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Aws": "*"}}]}, kind="trust")


def test_not_principal_with_allow_is_rejected() -> None:
    # AWS supports NotPrincipal only with Deny; an Allow would grant everyone else, anonymous callers included.
    with pytest.raises(InputError, match="NotPrincipal works only with") as exc:
        parse_policy({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "NotPrincipal": {"AWS": "111122223333"}}]},
            kind="resource", source="bucket.json")
    assert exc.value.field == "Statement[0].NotPrincipal"
    with pytest.raises(InputError, match="a role trust policy cannot use NotPrincipal"):
        parse_policy({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "sts:AssumeRole", "NotPrincipal": {"AWS": "111122223333"}}]}, kind="trust")


def test_sid_gives_line_number() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        GOOD, {"Sid": "Broken", "Effect": "Allow", "Action": "s3:*", "Resource": "*",
               "Condition": {"DateLessThan": {"aws:CurrentTime": "soon"}}}]}, indent=2)
    with pytest.raises(InputError) as exc:
        parse_policy(text, name="p", source="p.json")
    assert exc.value.line == text.splitlines().index('      "Sid": "Broken",') + 1
    assert "date value expected" in str(exc.value)


def test_unknown_action_suggests(catalog: Any) -> None:
    with pytest.raises(InputError, match="unknown action 'iam:CreateAcessKey'") as exc:
        check_action("iam:CreateAcessKey", catalog)
    assert "iam:CreateAccessKey" in exc.value.hint
    assert check_action("IAM:createaccesskey", catalog) == "iam:CreateAccessKey"


@pytest.mark.parametrize(("text", "message"), [
    ("[[property]]\nprincipal = 'role/x'\naction = 'rds:DeleteDBInstance'\n", "'expect' is required"),
    ("[[property]]\nprincipal = 'role/x'\naction = 's3:GetObject'\nexpect = 'maybe'\n", "expect must be"),
    ("[[property]]\nprincipal = 'role/x'\naction = 's3:GetObject'\nexpect = 'deny'\ncontext = 'mfa-ish'\n",
     "unknown context 'mfa-ish'"),
    ("[[property]]\nprincipal = 'role/x'\naction = 's3:GetObject'\nexpect = 'deny'\nactor = 1\n",
     "unknown key 'actor'"),
    ("title = 'x'\n", "no [[property]] entries"),
    ("[[property]\n", "not valid TOML"),
])
def test_bad_properties(text: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse_properties(text, source="props.toml")


def test_property_error_names_line() -> None:
    text = ("[[property]]\nprincipal = 'role/x'\naction = 's3:GetObject'\nexpect = 'deny'\n\n"
            "[[property]]\nprincipal = 'role/x'\naction = 's3:GetObject'\nexpect = 'nope'\n")
    with pytest.raises(InputError) as exc:
        parse_properties(text, source="props.toml")
    assert exc.value.line == 6 and exc.value.field == "property[1].expect"
