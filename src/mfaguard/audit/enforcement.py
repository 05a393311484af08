"""Recognize, from policy documents alone, which groups enforce MFA and which grant admin. Pure.

A force-MFA policy denies (almost) everything while ``aws:MultiFactorAuthPresent`` is false or absent:
a Deny statement conditioned on ``BoolIfExists``/``Bool`` ``aws:MultiFactorAuthPresent = false`` or on
``Null aws:MultiFactorAuthPresent = true``. An admin policy allows ``*`` on ``*`` without conditions.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

__all__ = [
    "ADMIN_MANAGED_POLICY_ARNS",
    "assumable_role_arns",
    "is_admin_policy",
    "is_force_mfa_policy",
    "load_document",
    "statements",
]

ADMIN_MANAGED_POLICY_ARNS = frozenset({"arn:aws:iam::aws:policy/AdministratorAccess"})
_MFA_KEY = "aws:multifactorauthpresent"


def load_document(doc: Any) -> dict[str, Any]:
    """A policy document as a dict; IAM may hand it back URL-encoded JSON text."""
    if isinstance(doc, Mapping):
        return dict(doc)
    if isinstance(doc, str):
        text = doc if doc.lstrip().startswith("{") else urllib.parse.unquote(doc)
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def statements(doc: Any) -> list[dict[str, Any]]:
    stmts = load_document(doc).get("Statement", [])
    if isinstance(stmts, Mapping):
        stmts = [stmts]
    return [dict(s) for s in stmts if isinstance(s, Mapping)]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _conditions(stmt: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Condition block with operators as written and keys lower-cased (condition keys ignore case)."""
    out: dict[str, dict[str, list[str]]] = {}
    for op, body in (stmt.get("Condition") or {}).items():
        if isinstance(body, Mapping):
            out[op] = {str(k).lower(): [v.lower() for v in _as_list(val)] for k, val in body.items()}
    return out


def _denies_without_mfa(stmt: Mapping[str, Any]) -> bool:
    if stmt.get("Effect") != "Deny":
        return False
    for op, keys in _conditions(stmt).items():
        values = keys.get(_MFA_KEY)
        if values is None:
            continue
        if op in ("BoolIfExists", "Bool") and "false" in values:
            return True
        if op == "Null" and "true" in values:
            return True
    return False


def _broad(stmt: Mapping[str, Any]) -> bool:
    """The statement covers (nearly) every action: NotAction with a short list, or a '*' action."""
    if "NotAction" in stmt:
        return True
    return any(a in ("*", "*:*") for a in _as_list(stmt.get("Action")))


def is_force_mfa_policy(doc: Any) -> bool:
    return any(_denies_without_mfa(s) and _broad(s) for s in statements(doc))


def is_admin_policy(doc: Any) -> bool:
    for s in statements(doc):
        if s.get("Effect") != "Allow" or s.get("Condition"):
            continue
        if any(a in ("*", "*:*") for a in _as_list(s.get("Action"))) and "*" in _as_list(s.get("Resource")):
            return True
    return False


def assumable_role_arns(docs: Iterable[Any], role_arns: Iterable[str]) -> set[str]:
    """Which of ``role_arns`` the given identity policies allow sts:AssumeRole on."""
    roles = list(role_arns)
    found: set[str] = set()
    for doc in docs:
        for s in statements(doc):
            if s.get("Effect") != "Allow":
                continue
            actions = [a.lower() for a in _as_list(s.get("Action"))]
            if not any(fnmatchcase("sts:assumerole", a) for a in actions):
                continue
            for pattern in _as_list(s.get("Resource")):
                found.update(r for r in roles if fnmatchcase(r, pattern))
    return found
