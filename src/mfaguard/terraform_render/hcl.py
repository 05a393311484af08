"""A small HCL writer whose output `terraform fmt` leaves unchanged.

Only what the renderer needs: blocks, attributes with strings/bools/numbers/lists of strings/maps.
Consecutive one-line attributes get their ``=`` aligned, as fmt does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Attr", "Blank", "Block", "quote", "render_block", "render_body"]

INDENT = "  "


Value = str | bool | int | Sequence[str] | Mapping[str, str]


@dataclass(frozen=True)
class Attr:
    name: str
    value: Value


@dataclass(frozen=True)
class Blank:
    """An empty line: ends an alignment group."""


@dataclass
class Block:
    type: str
    labels: tuple[str, ...] = ()
    body: list[Attr | Block | Blank] = field(default_factory=list)


def quote(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    out = out.replace("\t", "\\t")
    # Template sequences would be interpolated: escape them.
    return '"' + out.replace("${", "$${").replace("%{", "%%{") + '"'


def _inline(value: Value) -> str | None:
    """The one-line form of a value, or None when it is written over several lines (maps)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Mapping):
        return "{}" if not value else None
    return "[" + ", ".join(quote(v) for v in value) + "]"


def _map_lines(value: Mapping[str, str], depth: int) -> list[str]:
    pad = INDENT * (depth + 1)
    keys = [quote(k) for k in value]
    width = max(len(k) for k in keys)
    return [f"{pad}{k.ljust(width)} = {quote(v)}" for k, v in zip(keys, value.values(), strict=True)]


def render_body(items: Sequence[Attr | Block | Blank], depth: int = 0) -> list[str]:
    lines: list[str] = []
    pad = INDENT * depth
    group: list[tuple[str, str]] = []

    def flush() -> None:
        if group:
            width = max(len(n) for n, _ in group)
            lines.extend(f"{pad}{n.ljust(width)} = {v}" for n, v in group)
            group.clear()

    for item in items:
        if isinstance(item, Blank):
            flush()
            lines.append("")
        elif isinstance(item, Block):
            flush()
            lines.extend(render_block(item, depth))
        else:
            inline = _inline(item.value)
            if inline is not None:
                group.append((item.name, inline))
            else:
                # A multi-line map value takes part in its group's alignment with its first line.
                group.append((item.name, "{"))
                flush()
                assert isinstance(item.value, Mapping)
                lines.extend(_map_lines(item.value, depth))
                lines.append(f"{pad}}}")
    flush()
    return lines


def render_block(block: Block, depth: int = 0) -> list[str]:
    pad = INDENT * depth
    head = " ".join([block.type, *(quote(label) for label in block.labels)])
    if not block.body:
        return [f"{pad}{head} {{", f"{pad}}}"]
    return [f"{pad}{head} {{", *render_body(block.body, depth + 1), f"{pad}}}"]
