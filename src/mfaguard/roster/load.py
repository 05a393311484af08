"""Parse and validate a roster file; every error names the file, line, field and what to do.

Parsing uses ruamel.yaml's round-trip mode: the same document that gives line numbers here is the one
programmatic edits change and write back, with comments and order intact.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from mfaguard.errors import InputError
from mfaguard.roster.model import Person, Roster
from mfaguard.roster.pgp import PgpKeyError, resolve_pgp_key
from mfaguard.terraform_render.keys import derive_key

__all__ = [
    "LoadedRoster", "RosterInvalid", "dump_yaml", "guess_indent", "load_roster", "locate", "parse_roster", "yaml",
]

DOCS = "docs/roster.md"


class RosterInvalid(InputError):
    """One or more problems in a roster; ``problems`` has each with its own line."""

    def __init__(self, problems: list[InputError]) -> None:
        first = problems[0]
        text = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the roster:\n{text}" if len(problems) > 1 else str(first))
        self.problems = problems
        self.path, self.line, self.field, self.hint = first.path, first.line, first.field, first.hint
        self._text = self.message

    def __str__(self) -> str:
        # Each problem already carries its own hint.
        return self._text


Indent = tuple[int, int, int]  # mapping, sequence, offset (ruamel's YAML.indent arguments)
DEFAULT_INDENT: Indent = (2, 4, 2)


class _Source:
    """The roster text and, parsed only when needed, its round-trip document (comments, line numbers).

    Validation reads the text with the fast safe loader; the slower round-trip parse happens only for
    edits and to put line numbers on errors.
    """

    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        self._doc: CommentedMap | None = None

    @property
    def doc(self) -> CommentedMap:
        if self._doc is None:
            doc = _load(yaml(), self.text, self.path)
            self._doc = doc if isinstance(doc, CommentedMap) else CommentedMap()
        return self._doc

    def line(self, loc: Iterable[Any]) -> int | None:
        return locate(self.doc, loc)


@dataclass
class LoadedRoster:
    """The validated model plus the round-trip document it came from (for edits)."""

    path: Path
    roster: Roster
    source: _Source
    indent: Indent = DEFAULT_INDENT

    @property
    def doc(self) -> CommentedMap:
        """The round-trip document: edit it in place, then ``dump()``."""
        return self.source.doc

    def dump(self) -> str:
        return dump_yaml(self.doc, self.indent)


def yaml(indent: Indent = DEFAULT_INDENT) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    y.width = 4096  # never fold long SSH keys
    return y


def dump_yaml(doc: Any, indent: Indent = DEFAULT_INDENT) -> str:
    out = io.StringIO()
    yaml(indent).dump(doc, out)
    return out.getvalue()


def guess_indent(text: str) -> Indent:
    """The file's own indentation, so that writing it back changes only what was edited."""
    mapping = seq = offset = None
    parent: int | None = None
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        lead = len(raw) - len(raw.lstrip(" "))
        if parent is not None and (lead > parent or (lead == parent and stripped.startswith("- "))):
            if stripped.startswith("- ") and seq is None:
                offset = lead - parent
                seq = offset + 2 + (len(stripped) - 2 - len(stripped[2:].lstrip(" ")))
            elif not stripped.startswith("-") and mapping is None:
                mapping = lead - parent
        if mapping is not None and seq is not None:
            break
        parent = lead if stripped.endswith(":") and not stripped.startswith("- ") else None
    m = mapping or DEFAULT_INDENT[0]
    return (m, seq or m + 2, offset if offset is not None else m)


def load_roster(path: str | Path, *, resolve_files: bool = True) -> LoadedRoster:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            "roster file not found", path=str(p), hint="create one (see examples/roster.yaml) or run `mfaguard import`"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(p)) from None
    return parse_roster(text, p, resolve_files=resolve_files)


def _load(loader: YAML, text: str, path: Path) -> Any:
    try:
        return loader.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(
            f"not valid YAML: {exc.problem or exc.context}",
            path=str(path), line=mark.line + 1 if mark else None,
            hint="fix the syntax: indent with spaces, quote values containing ': ' or '#'",
        ) from None
    except ValueError as exc:
        # The YAML timestamp constructor rejects dates like 2026-13-01 with no position: find the line.
        raise InputError(
            f"not a valid date: {exc}", path=str(path), line=_bad_date_line(text),
            hint="write dates as YYYY-MM-DD with a real month and day",
        ) from None


def _bad_date_line(text: str) -> int | None:
    import datetime
    import re

    for number, line in enumerate(text.splitlines(), start=1):
        for y, m, d in re.findall(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.-])", line.split("#", 1)[0]):
            try:
                datetime.date(int(y), int(m), int(d))
            except ValueError:
                return number
    return None


def parse_roster(text: str, path: str | Path = "roster.yaml", *, resolve_files: bool = True) -> LoadedRoster:
    p = Path(path)
    src = _Source(text, p)
    # The same YAML 1.2 rules as the round-trip loader, in C when ruamel.yaml.clib is installed.
    data = _load(YAML(typ="safe", pure=False), text, p)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError("the roster must be a mapping (people:, teams:, accounts: ...)", path=str(p), line=1)
    try:
        roster = Roster.model_validate(_plain(data))
    except ValidationError as exc:
        raise RosterInvalid([_pydantic_problem(err, src) for err in exc.errors()[:20]]) from None
    problems = list(check(roster, src))
    pgp = {}
    if resolve_files:
        resolved, pgp_problems = _resolve_pgp(roster, src)
        pgp = resolved
        problems += pgp_problems
    if problems:
        raise RosterInvalid(problems)
    return LoadedRoster(path=p, roster=roster.with_pgp_keys(pgp), source=src, indent=guess_indent(text))


def _plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts/lists (pydantic wants exact types)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def locate(doc: Any, loc: Iterable[Any]) -> int | None:
    """1-based line of the deepest node of ``loc`` found in the document."""
    node, line = doc, None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0]
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0]
            node = node[part]
        elif isinstance(node, CommentedMap) and isinstance(part, int):
            continue  # a single mapping written where a list of them is allowed
        else:
            break
    return None if line is None else line + 1


def _field(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _pydantic_problem(err: Any, src: _Source) -> InputError:
    loc = tuple(err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg, hint = "unknown field", f"check the spelling against the fields in {DOCS}"
    elif err["type"] == "missing":
        msg, hint = "required field is missing", f"add it (see {DOCS})"
    elif err["type"] == "literal_error":
        hint = "use one of the values listed"
    else:
        hint = f"see {DOCS} for what this field takes"
    return InputError(msg, path=str(src.path), line=src.line(loc), field=_field(loc), hint=hint)


def check(roster: Roster, src: _Source) -> Iterable[InputError]:
    """Cross-field rules pydantic cannot see: references, uniqueness, Terraform key collisions."""
    where = str(src.path)
    levels = sorted(roster.access_levels)

    def problem(msg: str, loc: tuple[Any, ...], hint: str) -> InputError:
        return InputError(msg, path=where, line=src.line(loc), field=_field(loc), hint=hint)

    def known_level(level: str | None, loc: tuple[Any, ...]) -> Iterable[InputError]:
        if level is not None and level not in roster.access_levels:
            yield problem(f"unknown access level '{level}'", loc, f"use one of: {', '.join(levels)}")

    yield from known_level(roster.defaults.access, ("defaults", "access"))
    for name, team in roster.teams.items():
        yield from known_level(team.access, ("teams", name, "access"))
    for name, spec in roster.accounts.items():
        for level in spec.groups:
            yield from known_level(level, ("accounts", name, "groups", level))

    seen_ids: dict[str, int] = {}
    # (account, user name) -> person index; (account, key) -> (person index, user name)
    users: dict[tuple[str, str], int] = {}
    keys: dict[tuple[str, str], tuple[int, str]] = {}
    for i, person in enumerate(roster.people):
        folded = person.id.lower()
        if folded in seen_ids:
            first = src.line(("people", seen_ids[folded], "id"))
            yield problem(
                f"duplicate person id '{person.id}' (first used at line {first})", ("people", i, "id"),
                "ids must be unique: rename one of them",
            )
        else:
            seen_ids[folded] = i
        if person.team not in roster.teams:
            known = ", ".join(sorted(roster.teams)) or "none defined yet"
            yield problem(
                f"unknown team '{person.team}'", ("people", i, "team"),
                f"add it under teams: or use one of: {known}",
            )
        yield from known_level(person.access, ("people", i, "access"))
        for account, entries in person.accounts.items():
            if account not in roster.accounts:
                known = ", ".join(sorted(roster.accounts)) or "none defined yet"
                yield problem(
                    f"unknown account '{account}'", ("people", i, "accounts", account),
                    f"add it under accounts: (name: {{id: \"123456789012\"}}) or use one of: {known}",
                )
            for j, user in enumerate(entries):
                loc = ("people", i, "accounts", account, j)
                name = person.user_name(user)
                if (account, name) in users:
                    other = roster.people[users[account, name]].id
                    yield problem(
                        f"IAM user '{name}' in account '{account}' is also listed for '{other}'", loc,
                        "an IAM user belongs to one person: remove one entry",
                    )
                    continue
                users[account, name] = i
                key = user.key or derive_key(name)
                if (account, key) in keys:
                    other_i, other_name = keys[account, key]
                    yield problem(
                        f"IAM users '{other_name}' (person '{roster.people[other_i].id}') and '{name}' collide as "
                        f"Terraform key '{key}' in account '{account}'", loc,
                        f"set a distinct `key:` on one of them, e.g. key: {key}_2",
                    )
                else:
                    keys[account, key] = (i, name)


def needs_pgp(person: Person) -> bool:
    return any(u.console or u.cli for entries in person.accounts.values() for u in entries)


def _resolve_pgp(roster: Roster, src: _Source) -> tuple[dict[str, str], list[InputError]]:
    resolved: dict[str, str] = {}
    problems: list[InputError] = []
    path = src.path
    base = path.parent

    def resolve(ref: str, loc: tuple[Any, ...]) -> None:
        if ref in resolved:
            return
        try:
            resolved[ref] = resolve_pgp_key(ref, base)
        except PgpKeyError as exc:
            problems.append(InputError(
                str(exc), path=str(path), line=src.line(loc), field=_field(loc),
                hint="export it with `gpg --export --armor KEYID > FILE` or use keybase:<user>",
            ))

    if roster.defaults.pgp_key:
        resolve(roster.defaults.pgp_key, ("defaults", "pgp_key"))
    for i, person in enumerate(roster.people):
        if person.pgp_key:
            resolve(person.pgp_key, ("people", i, "pgp_key"))
        elif needs_pgp(person) and not roster.defaults.pgp_key:
            problems.append(InputError(
                f"'{person.id}' has console or CLI access but no PGP key to encrypt the password/secret with",
                path=str(path), line=src.line(("people", i, "id")), field=f"people[{i}].pgp_key",
                hint="set pgp_key: keybase:<user> or a public key file, or defaults.pgp_key for everyone "
                "(mfaguard import --pgp-key sets it)",
            ))
    return resolved, problems
