"""The line-preserving INI editor behind `mfaguard configure`."""

from __future__ import annotations

from mfaguard.session.inifile import parse_ini

TEXT = """\
; top comment
[profile a]
x = 1
# inside a
y = 2

[profile b]
s3 =
    addressing_style = path
z = 3"""


def test_parse_keeps_lines_and_lowercases_keys() -> None:
    doc = parse_ini("[profile A]\nRole_Arn = r\n", "cfg")
    assert doc.sections["profile A"].values == {"role_arn": "r"}
    assert doc.sections["profile A"].lines == {"role_arn": 2}
    doc = parse_ini(TEXT)
    assert doc.sections["profile b"].values == {"s3": "", "z": "3"}  # nested s3 keys are not top-level keys


def test_set_values_changes_adds_and_removes_in_place() -> None:
    doc = parse_ini(TEXT)
    doc.set_values("profile a", {"x": "10", "y": None, "w": "new"})
    doc.set_values("profile c", {"k": "v", "skipped": None})
    out = doc.render()
    assert out == (
        "; top comment\n[profile a]\nx = 10\nw = new\n# inside a\n\n[profile b]\ns3 =\n"
        "    addressing_style = path\nz = 3\n\n[profile c]\nk = v\n"
    )


def test_unchanged_values_leave_the_text_alone() -> None:
    doc = parse_ini(TEXT + "\n")
    doc.set_values("profile a", {"x": "1"})
    assert doc.render() == TEXT + "\n"
