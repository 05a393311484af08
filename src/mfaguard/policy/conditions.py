"""Condition operators, evaluated the way AWS documents them.

- A key absent from the request makes positive operators false and negated ones (StringNotEquals,
  ArnNotLike, NotIpAddress...) true, except for ``...IfExists`` (absent -> true) and ``Null``.
- Several values for one key in the policy are ORed; for a negated operator they are NORed.
- ``ForAllValues``: every request value must satisfy the operator; an absent or empty key is true.
  ``ForAnyValue``: at least one request value must; an absent or empty key is false.
- Policy variables are allowed in String, Arn and Bool values only.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from mfaguard.policy.patterns import Mode, Pattern, parse_pattern

__all__ = ["BASE_OPERATORS", "Condition", "ConditionValueError", "parse_condition"]

Lookup = Callable[[str], Sequence[str] | None]


class ConditionValueError(ValueError):
    """A condition's operator or value is invalid (the parser turns this into an InputError)."""


# base operator -> (family, negated)
BASE_OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("string", False),
    "StringNotEquals": ("string", True),
    "StringEqualsIgnoreCase": ("string_ci", False),
    "StringNotEqualsIgnoreCase": ("string_ci", True),
    "StringLike": ("string_like", False),
    "StringNotLike": ("string_like", True),
    "NumericEquals": ("num_eq", False),
    "NumericNotEquals": ("num_eq", True),
    "NumericLessThan": ("num_lt", False),
    "NumericLessThanEquals": ("num_le", False),
    "NumericGreaterThan": ("num_gt", False),
    "NumericGreaterThanEquals": ("num_ge", False),
    "DateEquals": ("date_eq", False),
    "DateNotEquals": ("date_eq", True),
    "DateLessThan": ("date_lt", False),
    "DateLessThanEquals": ("date_le", False),
    "DateGreaterThan": ("date_gt", False),
    "DateGreaterThanEquals": ("date_ge", False),
    "Bool": ("bool", False),
    "BinaryEquals": ("binary", False),
    "IpAddress": ("ip", False),
    "NotIpAddress": ("ip", True),
    "ArnEquals": ("arn", False),
    "ArnLike": ("arn", False),
    "ArnNotEquals": ("arn", True),
    "ArnNotLike": ("arn", True),
    "Null": ("null", False),
}
_BY_LOWER = {k.lower(): k for k in BASE_OPERATORS}
_VARIABLE_FAMILIES = {"string", "string_ci", "string_like", "arn", "bool"}


@dataclass(frozen=True, slots=True)
class Condition:
    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    base: str  # canonical base operator, e.g. "StringLike"
    set_op: str | None  # "ForAllValues" | "ForAnyValue" | None
    if_exists: bool
    key: str  # as written
    values: tuple[Any, ...]  # compiled policy values (Pattern, Decimal, datetime, network, bytes, bool)
    key_lower: str = ""  # context keys are case-insensitive

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_lower", self.key.lower())

    @property
    def negated(self) -> bool:
        return BASE_OPERATORS[self.base][1]

    def evaluate(self, lookup: Lookup) -> bool:
        family, negated = BASE_OPERATORS[self.base]
        request = lookup(self.key_lower)
        if family == "null":
            absent = not request
            return any(absent == v for v in self.values)
        if not request:
            if self.set_op == "ForAllValues":
                return True
            if self.if_exists:
                return True
            if self.set_op == "ForAnyValue":
                return False
            return negated
        match = _MATCHERS[family]

        def hit(v: str) -> bool:
            return any(match(v, p, lookup) for p in self.values)

        if self.set_op == "ForAllValues":
            return all((not hit(v)) if negated else hit(v) for v in request)
        if self.set_op == "ForAnyValue":
            return any((not hit(v)) if negated else hit(v) for v in request)
        # Single-valued operator: any request value matching any policy value is a match.
        any_hit = any(hit(v) for v in request)
        return not any_hit if negated else any_hit

    def to_dict(self) -> dict[str, Any]:
        return {"operator": self.operator, "key": self.key}


def parse_condition(operator: str, key: str, raw: Any, *, variables: bool) -> Condition:
    set_op = None
    name = operator
    if ":" in name:
        prefix, name = name.split(":", 1)
        if prefix.lower() == "forallvalues":
            set_op = "ForAllValues"
        elif prefix.lower() == "foranyvalue":
            set_op = "ForAnyValue"
        else:
            raise ConditionValueError(
                f"unknown set operator '{prefix}' (expected ForAllValues or ForAnyValue)"
            )
    if_exists = False
    if name.lower().endswith("ifexists"):
        if_exists = True
        name = name[: -len("IfExists")]
    base = _BY_LOWER.get(name.lower())
    if base is None:
        raise ConditionValueError(f"unknown condition operator '{operator}'")
    family = BASE_OPERATORS[base][0]
    if family == "null" and (if_exists or set_op):
        raise ConditionValueError(f"'{operator}': Null takes neither IfExists nor a set operator")
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise ConditionValueError(f"'{operator}' on '{key}' has no values")
    values = tuple(_compile_value(family, v, variables=variables and family in _VARIABLE_FAMILIES)
                   for v in items)
    return Condition(operator, base, set_op, if_exists, key, values)


def _compile_value(family: str, raw: Any, *, variables: bool) -> Any:
    if isinstance(raw, (dict, list)) or raw is None:
        raise ConditionValueError(f"value {raw!r} must be a string, number or boolean")
    text = _to_text(raw)
    if family in ("string", "string_ci", "string_like", "arn"):
        return parse_pattern(text, variables)
    if family == "bool":
        if text.lower() not in ("true", "false") and not (variables and "${" in text):
            raise ConditionValueError(f"Bool value must be true or false, not {raw!r}")
        return parse_pattern(text.lower() if "${" not in text else text, variables)
    if family == "null":
        if text.lower() not in ("true", "false"):
            raise ConditionValueError(f"Null value must be true or false, not {raw!r}")
        return text.lower() == "true"
    if family.startswith("num"):
        num = _to_decimal(text)
        if num is None:
            raise ConditionValueError(f"numeric value expected, not {raw!r}")
        return num
    if family.startswith("date"):
        when = _to_datetime(text)
        if when is None:
            raise ConditionValueError(f"date value expected (ISO 8601 or epoch seconds), not {raw!r}")
        return when
    if family == "binary":
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ConditionValueError(f"BinaryEquals value must be base-64, not {raw!r}") from None
    if family == "ip":
        try:
            return ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ConditionValueError(f"IP address or CIDR expected, not {raw!r}") from None
    raise AssertionError(family)


def _to_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _to_decimal(text: str) -> Decimal | None:
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


_EPOCH_RE = re.compile(r"^-?\d+(\.\d+)?$")


def _to_datetime(text: str) -> datetime | None:
    text = text.strip()
    if _EPOCH_RE.match(text):
        try:
            return datetime.fromtimestamp(float(text), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


# -- per-family matchers: (request value, compiled policy value, lookup) -> bool -------------------------


def _m_string(v: str, p: Pattern, lookup: Lookup) -> bool:
    return p.matches(v, wildcards=False, lookup=lookup)


def _m_string_ci(v: str, p: Pattern, lookup: Lookup) -> bool:
    return p.matches(v, wildcards=False, ignore_case=True, lookup=lookup)


def _m_string_like(v: str, p: Pattern, lookup: Lookup) -> bool:
    return p.matches(v, Mode.GLOB, lookup=lookup)


def _m_arn(v: str, p: Pattern, lookup: Lookup) -> bool:
    return p.matches(v, Mode.ARN, lookup=lookup)


def _m_bool(v: str, p: Pattern, lookup: Lookup) -> bool:
    return p.matches(v.lower(), wildcards=False, ignore_case=True, lookup=lookup)


def _num(op: Callable[[Decimal, Decimal], bool]) -> Callable[[str, Decimal, Lookup], bool]:
    def match(v: str, p: Decimal, _lookup: Lookup) -> bool:
        d = _to_decimal(v)
        return d is not None and op(d, p)

    return match


def _date(op: Callable[[datetime, datetime], bool]) -> Callable[[str, datetime, Lookup], bool]:
    def match(v: str, p: datetime, _lookup: Lookup) -> bool:
        d = _to_datetime(v)
        return d is not None and op(d, p)

    return match


def _m_binary(v: str, p: bytes, _lookup: Lookup) -> bool:
    try:
        return base64.b64decode(v, validate=True) == p
    except (binascii.Error, ValueError):
        return False


def _m_ip(v: str, p: Any, _lookup: Lookup) -> bool:
    try:
        addr = ipaddress.ip_address(v.strip())
    except ValueError:
        try:
            net = ipaddress.ip_network(v.strip(), strict=False)
        except ValueError:
            return False
        return net.version == p.version and net.subnet_of(p)
    return addr.version == p.version and addr in p


_MATCHERS: dict[str, Callable[[str, Any, Lookup], bool]] = {
    "string": _m_string,
    "string_ci": _m_string_ci,
    "string_like": _m_string_like,
    "arn": _m_arn,
    "bool": _m_bool,
    "num_eq": _num(lambda a, b: a == b),
    "num_lt": _num(lambda a, b: a < b),
    "num_le": _num(lambda a, b: a <= b),
    "num_gt": _num(lambda a, b: a > b),
    "num_ge": _num(lambda a, b: a >= b),
    "date_eq": _date(lambda a, b: a == b),
    "date_lt": _date(lambda a, b: a < b),
    "date_le": _date(lambda a, b: a <= b),
    "date_gt": _date(lambda a, b: a > b),
    "date_ge": _date(lambda a, b: a >= b),
    "binary": _m_binary,
    "ip": _m_ip,
}
