"""Waves: the ordered stages of the rollout, declared in the roster's ``waves:`` section, and their members.

```yaml
waves:
  - name: sre              # first the team that owns IAM
    teams: [sre]
    target_date: 2026-01-15
  - name: pilot
    teams: [payments]
    people: [dana]         # and named people from any team
    target_date: 2026-02-01
  - name: everyone
    everyone: true         # every person not in an earlier wave
    target_date: 2026-03-01
```

A person belongs to the first wave that names them or their team. Pure: works on the validated roster
plus its round-trip document (for line numbers in errors).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mfaguard.errors import InputError
from mfaguard.roster.load import LoadedRoster, RosterInvalid, locate
from mfaguard.roster.model import Roster

__all__ = ["Wave", "WaveSpec", "find_wave", "parse_waves"]

DOCS = "docs/rollout.md"
WAVE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class WaveSpec(BaseModel):
    """One entry of ``waves:`` as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    teams: list[str] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)
    everyone: bool = False
    target_date: date | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not WAVE_NAME.match(v):
            raise ValueError(f"'{v}' is not a valid wave name (letters, digits, '.', '_', '-')")
        return v

    @field_validator("teams", "people", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


@dataclass(frozen=True)
class Wave:
    """A wave with its members resolved: person ids in roster order (named people first)."""

    index: int  # 0-based position in the roster
    name: str
    description: str
    teams: tuple[str, ...]
    people: tuple[str, ...]
    everyone: bool
    target_date: date | None
    members: tuple[str, ...]

    @property
    def number(self) -> int:
        return self.index + 1


def _field(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_waves(loaded: LoadedRoster) -> list[Wave]:
    """Validate the roster's ``waves:`` and resolve each wave's members; every problem at once."""
    roster, path = loaded.roster, loaded.path
    raw = roster.waves

    def problem(msg: str, loc: tuple[Any, ...], hint: str) -> InputError:
        # The round-trip document (slow to parse on a large roster) is read only to place an error.
        return InputError(msg, path=str(path), line=locate(loaded.doc, loc), field=_field(loc), hint=hint)

    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RosterInvalid([problem("waves must be a list of waves", ("waves",),
                                     f"write `waves:` then `- name: ...` entries (see {DOCS})")])
    specs: list[WaveSpec] = []
    problems: list[InputError] = []
    for i, entry in enumerate(raw):
        try:
            specs.append(WaveSpec.model_validate(entry))
        except ValidationError as exc:
            for err in exc.errors()[:5]:
                loc = ("waves", i, *err["loc"])
                msg = str(err["msg"]).removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = "unknown field"
                elif err["type"] == "missing":
                    msg = "required field is missing"
                problems.append(problem(msg, loc, f"a wave has name, teams, people, everyone, target_date ({DOCS})"))
    if problems:
        raise RosterInvalid(problems)
    problems = list(_check(specs, roster, problem))
    if problems:
        raise RosterInvalid(problems)
    return _resolve(specs, roster)


def _check(specs: list[WaveSpec], roster: Roster, problem: Any) -> Iterable[InputError]:
    ids = {p.id for p in roster.people}
    teams = sorted(roster.teams)
    seen_names: dict[str, int] = {}
    named: dict[str, int] = {}
    team_of = {p.id: p.team for p in roster.people}
    earlier_teams: dict[str, str] = {}  # team -> the first wave that takes it
    last_date: tuple[date, str] | None = None
    for i, spec in enumerate(specs):
        if spec.name in seen_names:
            yield problem(f"duplicate wave name '{spec.name}' (wave {seen_names[spec.name] + 1} has it too)",
                          ("waves", i, "name"), "give every wave its own name")
        seen_names.setdefault(spec.name, i)
        if not (spec.teams or spec.people or spec.everyone):
            yield problem(f"wave '{spec.name}' names no teams or people", ("waves", i),
                          "add teams: [...], people: [...] or everyone: true")
        if spec.everyone and i != len(specs) - 1:
            yield problem(f"wave '{spec.name}' takes everyone, so the waves after it would be empty",
                          ("waves", i, "everyone"), "make the `everyone: true` wave the last one")
        for j, team in enumerate(spec.teams):
            if team not in roster.teams:
                yield problem(f"unknown team '{team}' in wave '{spec.name}'", ("waves", i, "teams", j),
                              f"use one of: {', '.join(teams) or 'none defined under teams: yet'}")
        for j, pid in enumerate(spec.people):
            if pid not in ids:
                close = [p for p in sorted(ids) if p.split(".")[0] == pid.split(".")[0] or pid in p][:5]
                yield problem(f"unknown person '{pid}' in wave '{spec.name}'", ("waves", i, "people", j),
                              "use a person id from people[].id" + (f", e.g. {', '.join(close)}" if close else ""))
            elif pid in named and named[pid] != i:
                yield problem(f"person '{pid}' is named in wave '{specs[named[pid]].name}' and in '{spec.name}'",
                              ("waves", i, "people", j), "name each person in one wave only")
            elif team_of[pid] in earlier_teams:
                yield problem(
                    f"person '{pid}' is already in the earlier wave '{earlier_teams[team_of[pid]]}' "
                    f"with team '{team_of[pid]}'", ("waves", i, "people", j),
                    "remove them here, or name them in the earlier wave's people instead of the team")
            named.setdefault(pid, i)
        for j, team in enumerate(spec.teams):
            if earlier_teams.get(team, spec.name) != spec.name:
                # The earlier wave takes the whole team: this entry would silently add nobody.
                yield problem(f"team '{team}' is already in the earlier wave '{earlier_teams[team]}'",
                              ("waves", i, "teams", j), "name each team in one wave only")
            earlier_teams.setdefault(team, spec.name)
        if spec.target_date is not None:
            if last_date is not None and spec.target_date < last_date[0]:
                yield problem(
                    f"wave '{spec.name}' is due {spec.target_date}, before the earlier wave '{last_date[1]}' "
                    f"({last_date[0]})", ("waves", i, "target_date"),
                    "waves run in order: give later waves later dates, or reorder them")
            last_date = (spec.target_date, spec.name)


def _resolve(specs: list[WaveSpec], roster: Roster) -> list[Wave]:
    taken: set[str] = set()
    waves: list[Wave] = []
    for i, spec in enumerate(specs):
        teams = set(spec.teams)
        members: list[str] = list(dict.fromkeys(p for p in spec.people if p not in taken))
        named = set(members)
        members += [p.id for p in roster.people
                    if (spec.everyone or p.team in teams) and p.id not in taken and p.id not in named]
        taken.update(members)
        waves.append(Wave(
            index=i, name=spec.name, description=spec.description, teams=tuple(spec.teams),
            people=tuple(spec.people), everyone=spec.everyone, target_date=spec.target_date,
            members=tuple(members),
        ))
    return waves


def find_wave(waves: list[Wave], name: str, path: str | Path = "roster.yaml") -> Wave:
    for wave in waves:
        if wave.name == name:
            return wave
    known = ", ".join(w.name for w in waves)
    raise InputError(
        f"no wave named '{name}'", path=str(path), field="waves",
        hint=f"use one of: {known}" if known else f"declare waves in the roster's waves: section ({DOCS})",
    )
