"""Roster -> Terraform: pure, deterministic rendering and `import {}` blocks.

Public API:
    render(roster, source="roster.yaml") -> dict[str, str]   "<account>/main.tf", "<account>/users.tf"
    render_account(roster, account, source) -> dict[str, str]
    instances(roster, account) -> list[UserInstance]         module instances with their inputs
    import_blocks(roster, account, live_users, in_state=()) -> list[Import]
    render_imports(imports) / parse_imports(text) / prune_imports(imports, roster, account)
    addresses(roster, account) -> set[str]                   every resource address rendered
    derive_key(user_name) / unique_key(user_name, taken)     Terraform keys of IAM user names
"""

from __future__ import annotations

from mfaguard.terraform_render.imports import (
    Import,
    addresses,
    import_blocks,
    parse_imports,
    prune_imports,
    render_imports,
    state_addresses,
    unmanaged,
)
from mfaguard.terraform_render.keys import derive_key, unique_key
from mfaguard.terraform_render.render import HEADER_MARK, UserInstance, instances, render, render_account

__all__ = [
    "HEADER_MARK",
    "Import",
    "UserInstance",
    "addresses",
    "derive_key",
    "import_blocks",
    "instances",
    "parse_imports",
    "prune_imports",
    "render",
    "render_account",
    "render_imports",
    "state_addresses",
    "unique_key",
    "unmanaged",
]
