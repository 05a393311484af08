"""Wildcard patterns and policy variables, as IAM matches them.

A pattern is parsed once into tokens (literal text, ``*``, ``?``, policy variables). Matching a request
value resolves the variables from the request context, then compiles the result to a regular expression
(cached). Patterns with many ``*`` use a small linear-time matcher instead, because a backtracking regex
on ``*a*a*a...`` can take exponential time.

Three matching modes exist because IAM has three:
- ``GLOB``: ``*`` and ``?`` match any characters (Action, StringLike).
- ``RESOURCE``: the Resource element. In the first five colon-separated parts of an ARN a wildcard stays
  inside its part, except that a ``*`` ending a part "can expand to match beyond the colon boundaries";
  after the fifth colon (the resource part) wildcards match anything.
- ``ARN``: ArnLike/ArnEquals, which check each of the six parts separately.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = ["Mode", "Pattern", "Unresolved", "parse_pattern"]

# Beyond this many ``*`` a regex could backtrack for a very long time; use the linear matcher instead.
_MAX_REGEX_STARS = 4

_VAR_RE = re.compile(r"\$\{([^}]*)\}")
# ${aws:username, 'default'}: AWS documents ", " then the default in single quotes.
_DEFAULT_RE = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")


class Mode(enum.Enum):
    GLOB = "glob"
    RESOURCE = "resource"
    ARN = "arn"


class Unresolved(Exception):
    """A policy variable names a key that is absent from the request and has no default."""


# Token kinds: (LIT, text) (STAR,) (ONE,) (VAR, key, default-or-None)
LIT, STAR, ONE, VAR = "lit", "star", "one", "var"
Token = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str
    tokens: tuple[Token, ...]
    has_vars: bool
    wildcard: bool  # any * or ? outside variables
    plain: str | None = None  # the text when it has neither wildcards nor variables
    # Compiled matchers of a variable-free pattern, per (mode, ignore_case): built on first use.
    _compiled: dict[tuple[Any, ...], Callable[[str], bool]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def resolve(self, lookup: Callable[[str], Sequence[str] | None]) -> tuple[Token, ...]:
        """Substitute variables; raises Unresolved when one cannot be resolved."""
        if not self.has_vars:
            return self.tokens
        out: list[Token] = []
        for tok in self.tokens:
            if tok[0] != VAR:
                out.append(tok)
                continue
            values = lookup(tok[1])
            if values and len(values) == 1:
                out.append((LIT, values[0]))
            elif tok[2] is not None:
                out.append((LIT, tok[2]))
            else:
                # Absent (or multi-valued: IAM substitutes single values only) and no default.
                raise Unresolved(tok[1])
        return tuple(out)

    def matches(
        self,
        value: str,
        mode: Mode = Mode.GLOB,
        *,
        ignore_case: bool = False,
        wildcards: bool = True,
        lookup: Callable[[str], Sequence[str] | None] | None = None,
    ) -> bool:
        """Does ``value`` match? An unresolvable variable makes the pattern match nothing."""
        if self.has_vars:
            try:
                tokens = self.resolve(lookup or (lambda _k: None))
            except Unresolved:
                return False
            if not wildcards:
                text = "".join(t[1] if t[0] == LIT else ("*" if t[0] == STAR else "?") for t in tokens)
                return value.lower() == text.lower() if ignore_case else value == text
            # Cached per resolved variable values: a sweep asks for the same principal many times.
            key: tuple[Any, ...] = (mode, ignore_case, tuple(t[1] for t in tokens if t[0] == LIT))
        else:
            if self.plain is not None:
                return value.lower() == self.plain.lower() if ignore_case else value == self.plain
            if not wildcards:
                text = self.literal()
                return value.lower() == text.lower() if ignore_case else value == text
            tokens = self.tokens
            key = (mode, ignore_case)
        if mode is Mode.ARN and not _looks_like_arn(value):
            return False
        fn = self._compiled.get(key)
        if fn is None:
            fn = self._compiled[key] = _compile(tokens, mode, ignore_case)
        return fn(value)

    def literal(self) -> str:
        return "".join(t[1] if t[0] == LIT else ("*" if t[0] == STAR else "?") for t in self.tokens)


def _looks_like_arn(value: str) -> bool:
    return value.startswith("arn:") and value.count(":") >= 5


@lru_cache(maxsize=8192)
def parse_pattern(text: str, variables: bool = True) -> Pattern:
    """Parse once. ``variables`` is False for policies without Version 2012-10-17, where AWS treats
    ``${...}`` as literal text."""
    tokens: list[Token] = []
    has_vars = False
    wildcard = False

    def add_text(chunk: str) -> None:
        nonlocal wildcard
        buf = []
        for ch in chunk:
            if ch in "*?":
                if buf:
                    tokens.append((LIT, "".join(buf)))
                    buf = []
                wildcard = True
                # Collapse runs of * (same meaning, less work).
                if ch == "*" and tokens and tokens[-1][0] == STAR:
                    continue
                tokens.append((STAR,) if ch == "*" else (ONE,))
            else:
                buf.append(ch)
        if buf:
            tokens.append((LIT, "".join(buf)))

    if not variables:
        add_text(text)
    else:
        pos = 0
        for m in _VAR_RE.finditer(text):
            add_text(text[pos : m.start()])
            inner = m.group(1)
            if inner in ("*", "?", "$"):
                # The documented escapes: a literal *, ? or $.
                tokens.append((LIT, inner))
            else:
                d = _DEFAULT_RE.match(inner)
                key, default = (d.group(1), d.group(2)) if d else (inner.strip(), None)
                tokens.append((VAR, key.lower(), default))
                has_vars = True
            pos = m.end()
        add_text(text[pos:])
    # Merge adjacent literals so that equality checks stay cheap.
    merged: list[Token] = []
    for tok in tokens:
        if tok[0] == LIT and merged and merged[-1][0] == LIT:
            merged[-1] = (LIT, merged[-1][1] + tok[1])
        else:
            merged.append(tok)
    plain = None
    if not has_vars and not wildcard:
        plain = merged[0][1] if merged else ""
    return Pattern(text=text, tokens=tuple(merged), has_vars=has_vars, wildcard=wildcard, plain=plain)


# -- matching --------------------------------------------------------------------------------------------

# Per-token "may this wildcard cross a colon?" flags, by mode; computed on the resolved tokens.
_Compiled = Callable[[str], bool]


@lru_cache(maxsize=16384)
def _compile(tokens: tuple[Token, ...], mode: Mode, ignore_case: bool) -> _Compiled:
    # Fast paths for the shapes that dominate real policies.
    if tokens == ((STAR,),):
        return lambda _v: True
    if len(tokens) == 2 and tokens[0][0] == LIT and tokens[1][0] == STAR:
        # A * that ends the whole pattern covers the rest in every mode ("arn:aws:s3:::*").
        prefix = tokens[0][1]
        if ignore_case:
            lp = prefix.lower()
            return lambda v: v.lower().startswith(lp)
        return lambda v: v.startswith(prefix)
    elems = _elements(tokens, mode)
    stars = sum(1 for e in elems if e[0] == STAR)
    if stars <= _MAX_REGEX_STARS:
        parts = []
        for kind, arg, crosses in elems:
            if kind == LIT:
                parts.append(re.escape(arg))
            elif kind == STAR:
                parts.append(".*" if crosses else "[^:]*")
            else:
                parts.append("." if crosses else "[^:]")
        rx = re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))
        return lambda v: rx.fullmatch(v) is not None
    return lambda v: _nfa_match(elems, v, ignore_case)


def _elements(tokens: tuple[Token, ...], mode: Mode) -> list[tuple[str, str, bool]]:
    """Flatten tokens into (kind, char-or-text, crosses_colon) elements, deciding per wildcard whether it
    may match a colon in this mode."""
    out: list[tuple[str, str, bool]] = []
    colons = 0
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok[0] == LIT:
            out.append((LIT, tok[1], True))
            colons += tok[1].count(":")
            continue
        if mode is Mode.GLOB or colons >= 5:
            out.append((tok[0], "", True))
            continue
        last = i + 1 == n
        if tok[0] == STAR:
            nxt = tokens[i + 1] if i + 1 < n else None
            ends_part = nxt is not None and nxt[0] == LIT and nxt[1].startswith(":")
            crosses = last or (mode is Mode.RESOURCE and ends_part)
            out.append((STAR, "", crosses))
        else:
            out.append((ONE, "", False))
    return out


def _nfa_match(elems: list[tuple[str, str, bool]], value: str, ignore_case: bool) -> bool:
    """Thompson-style simulation over characters: O(len(value) * len(pattern)), no backtracking."""
    chars: list[tuple[str, str, bool]] = []
    for kind, arg, crosses in elems:
        if kind == LIT:
            chars.extend((LIT, c.lower() if ignore_case else c, True) for c in arg)
        else:
            chars.append((kind, "", crosses))
    if ignore_case:
        value = value.lower()
    m = len(chars)

    def closure(states: set[int]) -> set[int]:
        # A * may match the empty string: its successor is reachable too.
        stack = list(states)
        while stack:
            s = stack.pop()
            if s < m and chars[s][0] == STAR and s + 1 not in states:
                states.add(s + 1)
                stack.append(s + 1)
        return states

    states = closure({0})
    for ch in value:
        nxt: set[int] = set()
        for s in states:
            if s >= m:
                continue
            kind, c, crosses = chars[s]
            if kind == LIT:
                if c == ch:
                    nxt.add(s + 1)
            elif ch == ":" and not crosses:
                continue
            elif kind == ONE:
                nxt.add(s + 1)
            else:  # STAR stays
                nxt.add(s)
        if not nxt:
            return False
        states = closure(nxt)
    return m in states
