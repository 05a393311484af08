"""Waves in the roster: membership resolution and every validation error (file:line, field, hint)."""

from __future__ import annotations

import pytest

from mfaguard.errors import InputError
from mfaguard.rollout.waves import find_wave, parse_waves
from mfaguard.roster.load import RosterInvalid
from tests.rollout.factory import ROSTER, roster


def _with_waves(waves: str) -> str:
    return ROSTER[: ROSTER.index("waves:")] + waves


def test_members_are_resolved_in_order_and_each_person_lands_in_one_wave() -> None:
    waves = parse_waves(roster())
    assert [w.name for w in waves] == ["sre", "pilot", "everyone"]
    assert waves[0].members == ("alice", "sam")
    assert waves[1].members == ("dave", "bob", "carol")  # named people first, then the team
    assert waves[2].members == ("erin",)
    assert str(waves[0].target_date) == "2026-03-15" and waves[2].target_date is None


def test_no_waves_section_means_no_waves() -> None:
    assert parse_waves(roster(_with_waves(""))) == []


def test_unknown_wave_names_the_known_ones() -> None:
    with pytest.raises(InputError, match="no wave named 'nope'") as info:
        find_wave(parse_waves(roster()), "nope")
    assert "sre, pilot, everyone" in info.value.hint


@pytest.mark.parametrize(
    ("waves", "message", "line", "field"),
    [
        ("waves:\n  - name: a\n    teams: [sre, ops]\n", "unknown team 'ops' in wave 'a'", 2, "waves[0].teams[1]"),
        ("waves:\n  - name: a\n    people: [zed]\n", "unknown person 'zed' in wave 'a'", 2, "waves[0].people[0]"),
        ("waves:\n  - name: a\n    teams: [sre]\n  - name: a\n    teams: [web]\n", "duplicate wave name 'a'", 3,
         "waves[1].name"),
        ("waves:\n  - name: a\n", "wave 'a' names no teams or people", 1, "waves[0]"),
        ("waves:\n  - name: a\n    everyone: true\n  - name: b\n    teams: [web]\n", "so the waves after it", 2,
         "waves[0].everyone"),
        ("waves:\n  - name: a\n    people: [bob]\n  - name: b\n    people: [bob]\n",
         "'bob' is named in wave 'a' and in 'b'", 4, "waves[1].people[0]"),
        ("waves:\n  - name: a\n    teams: [web]\n  - name: b\n    people: [bob]\n",
         "'bob' is already in the earlier wave 'a' with team 'web'", 4, "waves[1].people[0]"),
        ("waves:\n  - name: a\n    teams: [sre]\n    target_date: 2026-05-01\n  - name: b\n    teams: [web]\n"
         "    target_date: 2026-04-01\n", "due 2026-04-01, before the earlier wave 'a'", 6, "waves[1].target_date"),
        ("waves:\n  - name: a\n    teams: [web]\n  - name: b\n    teams: [sre, web]\n",
         "team 'web' is already in the earlier wave 'a'", 4, "waves[1].teams[1]"),
        ("waves:\n  - name: a\n    teams: [sre]\n    owner: me\n", "unknown field", 3, "waves[0].owner"),
        ("waves:\n  - teams: [sre]\n", "required field is missing", 1, "waves[0].name"),
        ("waves:\n  - name: a b\n    teams: [sre]\n", "not a valid wave name", 1, "waves[0].name"),
        ("waves: sre\n", "waves must be a list", 0, "waves"),
    ],
)
def test_bad_waves_are_refused_with_file_line_and_field(waves: str, message: str, line: int, field: str) -> None:
    loaded = roster(_with_waves(waves), "infra/roster.yaml")
    with pytest.raises(RosterInvalid) as info:
        parse_waves(loaded)
    problem = info.value.problems[0]
    assert message in problem.message
    assert problem.path == "infra/roster.yaml" and problem.field == field
    # Lines counted from the `waves:` line of the file.
    assert problem.line == ROSTER[: ROSTER.index("waves:")].count("\n") + 1 + line, str(problem)
    assert problem.hint


def test_every_problem_is_reported_at_once() -> None:
    waves = "waves:\n  - name: a\n    teams: [ops]\n    people: [zed]\n"
    with pytest.raises(RosterInvalid) as info:
        parse_waves(roster(_with_waves(waves)))
    assert [p.field for p in info.value.problems] == ["waves[0].teams[0]", "waves[0].people[0]"]
