"""Appending to a round-trip YAML container without moving the comments that follow it.

ruamel.yaml keeps the blank lines and comments after a mapping or sequence on its last scalar. Appended
items land after that text: a comment heading the next section (``# Accounts we manage``) would end up
above the new item, and a file's last comment in the middle of a list. ``keep_trailing`` moves that
text to the new last item, so it stays where the person wrote it: after the container.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

__all__ = ["keep_trailing"]


def _last_slot(node: Any) -> tuple[Any, Any] | None:
    """The (container, key) of the last block-style entry, deepest first: where trailing text is kept."""
    slot = None
    while isinstance(node, CommentedMap | CommentedSeq) and len(node) and not node.fa.flow_style():
        key = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        slot = (node, key)
        node = node[key]
    return slot


def _index(container: Any) -> int:
    # A mapping keeps a value's comment at position 2 of its entry, a sequence at position 0.
    return 2 if isinstance(container, CommentedMap) else 0


def _token(slot: tuple[Any, Any] | None) -> CommentToken | None:
    if slot is None:
        return None
    container, key = slot
    entry = container.ca.items.get(key)
    i = _index(container)
    return entry[i] if entry and len(entry) > i and isinstance(entry[i], CommentToken) else None


@contextmanager
def keep_trailing(container: Any) -> Iterator[None]:
    """Around an append to ``container``: the text after its last entry ends up after the new last one."""
    token = _token(_last_slot(container))
    moved = ""
    if token is not None:
        # The token's first line is the rest of the entry's own line (an end-of-line comment or nothing);
        # comments right below it, indented deeper than the container's entries, belong to that entry.
        own, _, rest = token.value.partition("\n")
        lines = rest.split("\n")
        col = getattr(container.lc, "col", None)
        n = 0
        while col is not None and n < len(lines) and lines[n].lstrip().startswith("#") and (
            len(lines[n]) - len(lines[n].lstrip()) > col
        ):
            n += 1
        moved = "\n".join(lines[n:])
        if moved:
            token.value = "".join(line + "\n" for line in [own, *lines[:n]])
    yield
    if not moved:
        return
    slot = _last_slot(container)
    if slot is None or _token(slot) is not None:
        token.value = token.value + moved  # nowhere better: leave it where it was
        return
    target, key = slot
    entry = target.ca.items.setdefault(key, [None, None, None, None] if isinstance(target, CommentedMap) else [None])
    entry[_index(target)] = CommentToken("\n" + moved, CommentMark(0), None)
