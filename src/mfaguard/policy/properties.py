"""Custom properties: a small declarative file of requests and their expected decisions.

TOML (or JSON with the same shape)::

    [[property]]
    name = "developers cannot delete databases"
    principal = "role/DeveloperMFARole"   # role/NAME, group/NAME (a member), user/NAME, or an ARN
    action = "rds:DeleteDBInstance"
    resource = "*"                        # optional, default "*"
    context = "mfa"                       # access-keys | no-mfa | mfa, or a table of context keys
    expect = "deny"                       # allow | deny
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mfaguard.errors import InputError
from mfaguard.policy.request import MFA_CONTEXTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["PropertySpec", "load_properties", "parse_properties"]

_KEYS = {"name", "principal", "action", "resource", "context", "expect"}


@dataclass(frozen=True)
class PropertySpec:
    name: str
    principal: str
    action: str
    expect: str  # "allow" | "deny"
    resource: str = "*"
    context: dict[str, Any] = field(default_factory=dict)
    context_label: str = "custom"
    line: int | None = None


def load_properties(path: str | Path) -> list[PropertySpec]:
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise InputError(f"cannot read properties file: {exc.strerror}", path=str(p)) from None
    except UnicodeDecodeError:
        raise InputError("not a text file (not UTF-8)", path=str(p)) from None
    return parse_properties(text, source=str(p), fmt="json" if p.suffix == ".json" else "toml")


def parse_properties(text: str, *, source: str = "properties", fmt: str = "toml") -> list[PropertySpec]:
    try:
        data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=source, line=exc.lineno) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", path=source) from None
    items = data.get("property")
    if not isinstance(items, list) or not items:
        raise InputError("no [[property]] entries", path=source, field="property",
                         hint="each property has principal, action, expect (and optional resource, context)")
    lines = _entry_lines(text) if fmt == "toml" else []
    out = []
    for i, item in enumerate(items):
        line = lines[i] if i < len(lines) else None
        fld = f"property[{i}]"

        def bad(msg: str, key: str, hint: str = "", _line: int | None = line, _fld: str = fld) -> InputError:
            return InputError(msg, path=source, line=_line, field=f"{_fld}.{key}", hint=hint)

        if not isinstance(item, dict):
            raise InputError("each property must be a table", path=source, line=line, field=fld)
        unknown = set(item) - _KEYS
        if unknown:
            raise bad(f"unknown key '{sorted(unknown)[0]}'", sorted(unknown)[0],
                      hint=f"valid keys: {', '.join(sorted(_KEYS))}")
        for key in ("principal", "action", "expect"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise bad(f"'{key}' is required and must be a string", key)
        expect = item["expect"].lower()
        if expect not in ("allow", "deny"):
            raise bad(f"expect must be \"allow\" or \"deny\", not {item['expect']!r}", "expect")
        ctx_raw = item.get("context", "mfa")
        if isinstance(ctx_raw, str):
            if ctx_raw not in MFA_CONTEXTS:
                raise bad(f"unknown context {ctx_raw!r}", "context",
                          hint=f"use one of {', '.join(MFA_CONTEXTS)} or a table of context keys")
            context, label = dict(MFA_CONTEXTS[ctx_raw]), ctx_raw
        elif isinstance(ctx_raw, dict):
            context, label = dict(ctx_raw), "custom"
        else:
            raise bad("context must be a name or a table of context keys", "context")
        resource = item.get("resource", "*")
        if not isinstance(resource, str):
            raise bad("resource must be a string", "resource")
        out.append(PropertySpec(
            name=str(item.get("name") or f"{item['principal']} {item['action']} -> {expect}"),
            principal=item["principal"], action=item["action"], expect=expect, resource=resource,
            context=context, context_label=label, line=line,
        ))
    return out


def _entry_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip().startswith("[[property]]")]
