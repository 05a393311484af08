"""Terraform keys for IAM users: valid identifiers, stable, readable and collision-free.

IAM user names may contain ``+=,.@_-`` and, on some emulators and in old accounts, differ only in case;
Terraform identifiers may not contain most of those characters. The key of a user is a lowercase slug of
its name (``first.last+ops@example.com`` -> ``first_last_ops_example_com``). When two users of one account
slug alike (``Alice`` and ``alice``, ``a=b`` and ``a.b``), the importer gives the later one an explicit
``key`` in the roster (``alice_2``), so keys never depend on which other users exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["derive_key", "unique_key"]

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_KEY = 100


def derive_key(user_name: str) -> str:
    """The default Terraform key of an IAM user name (a valid identifier)."""
    slug = _NOT_SLUG.sub("_", user_name.lower()).strip("_")[:MAX_KEY].rstrip("_")
    if not slug:
        return "user"
    # Identifiers start with a letter or underscore.
    return slug if slug[0].isalpha() else f"u_{slug}"


def unique_key(user_name: str, taken: Iterable[str]) -> str:
    """``derive_key`` unless taken, then the first free ``<key>_2``, ``<key>_3``, ..."""
    used = set(taken)
    base = derive_key(user_name)
    if base not in used:
        return base
    n = 2
    while f"{base}_{n}" in used:
        n += 1
    return f"{base}_{n}"
