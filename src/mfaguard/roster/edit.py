"""Programmatic edits of the roster that keep comments, order and formatting, and save + render at once.

The staged rollout uses these to mark people enforced; every edit goes through the round-trip document
and is validated again before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from pathlib import Path

from mfaguard.errors import InputError
from mfaguard.roster.comments import keep_trailing
from mfaguard.roster.files import write_files
from mfaguard.roster.load import LoadedRoster, parse_roster
from mfaguard.roster.output import plan_files

__all__ = ["save", "set_enforcement"]


def set_enforcement(loaded: LoadedRoster, person_ids: Iterable[str], state: str) -> LoadedRoster:
    """A new, validated roster where ``person_ids`` have enforcement ``state`` (the input is unchanged)."""
    wanted = set(person_ids)
    fresh = parse_roster(loaded.dump(), loaded.path)  # edit a copy: the caller's document stays as it was
    known = {str(p.get("id")) for p in fresh.doc.get("people") or []}
    missing = sorted(wanted - known)
    if missing:
        raise InputError(f"no such person in the roster: {', '.join(missing)}", path=str(loaded.path),
                         hint="check the ids against people[].id")
    for person in fresh.doc.get("people") or []:
        if person.get("id") in wanted:
            if "enforcement" in person:
                person["enforcement"] = state
            else:
                # Next to the access level (or team) it belongs with, not at the end of the entry.
                anchor = next((k for k in ("access", "team", "id") if k in person), None)
                at = list(person).index(anchor) + 1 if anchor else len(person)
                # At the end, the comments after the person (the next one's heading) stay after it.
                with keep_trailing(person) if at == len(person) else nullcontext():
                    person.insert(at, "enforcement", state)
    result = parse_roster(fresh.dump(), loaded.path)
    result.indent = loaded.indent
    return result


def save(loaded: LoadedRoster, out_dir: Path | None = None) -> list[Path]:
    """Write the roster and, with ``out_dir``, its rendered Terraform, all or nothing."""
    files: dict[Path, str | None] = {loaded.path: loaded.dump()}
    if out_dir is not None:
        files.update(plan_files(loaded, out_dir))
    return write_files(files)
