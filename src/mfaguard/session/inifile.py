"""A line-preserving reader and editor for the AWS shared config and credentials files.

configparser loses comments, ordering and line numbers; AWS files are edited by hand and by other tools,
so `mfaguard configure` must change only the keys it owns and leave every other byte in place. Reading
keeps the line number of each key so that errors can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["IniDocument", "IniSection", "parse_ini"]

_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$")
_KEY = re.compile(r"^([^=\s#;][^=]*?)\s*=\s*(.*?)\s*$")


@dataclass
class IniSection:
    name: str  # as written in the brackets, e.g. "profile dev" or "default"
    line: int  # 1-based line of the header
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class IniDocument:
    path: str
    sections: dict[str, IniSection]
    text_lines: list[str]

    def section(self, name: str) -> IniSection | None:
        return self.sections.get(name)

    def set_values(self, name: str, values: dict[str, str | None]) -> None:
        """Set (or, with None, remove) keys of a section, creating it at the end if missing."""
        sec = self.sections.get(name)
        if sec is None:
            if self.text_lines and self.text_lines[-1].strip():
                self.text_lines.append("")
            self.text_lines.append(f"[{name}]")
            for key, value in values.items():
                if value is not None:
                    self.text_lines.append(f"{key} = {value}")
            self._reparse()
            return
        to_add: list[str] = []
        removals: list[int] = []
        for key, value in values.items():
            if key in sec.lines:
                idx = sec.lines[key] - 1
                if value is None:
                    removals.append(idx)
                elif sec.values[key] != value:
                    self.text_lines[idx] = f"{key} = {value}"
            elif value is not None:
                to_add.append(f"{key} = {value}")
        for idx in sorted(removals, reverse=True):
            del self.text_lines[idx]
        if to_add:
            self._reparse()
            sec = self.sections[name]
            # After the section's last key, so that trailing comments and blank lines stay where they were.
            last = max([sec.line, *sec.lines.values()])
            self.text_lines[last:last] = to_add
        self._reparse()

    def render(self) -> str:
        return "\n".join(self.text_lines) + ("\n" if self.text_lines else "")

    def _reparse(self) -> None:
        self.sections = parse_ini(self.render(), self.path).sections


def parse_ini(text: str, path: str = "") -> IniDocument:
    sections: dict[str, IniSection] = {}
    current: IniSection | None = None
    last_key: str | None = None
    lines = text.splitlines()
    for lineno, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            continue
        header = _HEADER.match(raw)
        if header:
            name = " ".join(header.group(1).split())
            # A repeated section continues the first one, as botocore does.
            current = sections.setdefault(name, IniSection(name=name, line=lineno))
            last_key = None
            continue
        if current is None:
            continue
        if raw[:1].isspace() and last_key is not None:
            # Continuation line (nested values such as `s3 =` sub-keys): part of the previous key.
            continue
        match = _KEY.match(stripped)
        if match:
            key = match.group(1).strip().lower()
            current.values[key] = match.group(2)
            current.lines[key] = lineno
            last_key = key
    return IniDocument(path=path, sections=sections, text_lines=lines)
