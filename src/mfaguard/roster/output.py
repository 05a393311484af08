"""The files `render` and `import` write: generated Terraform per account, import blocks kept current."""

from __future__ import annotations

from pathlib import Path

from mfaguard.roster.load import LoadedRoster
from mfaguard.terraform_render.imports import Import, parse_imports, prune_imports, render_imports
from mfaguard.terraform_render.render import HEADER_MARK, render

__all__ = ["IMPORTS_FILE", "plan_files"]

IMPORTS_FILE = "imports.tf"


def _generated(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            return HEADER_MARK in fh.readline()
    except OSError:
        return False


def plan_files(
    loaded: LoadedRoster, out_dir: Path, new_imports: dict[str, list[Import]] | None = None
) -> dict[Path, str | None]:
    """Every file `render`/`import` writes (or deletes), with its content.

    Import blocks of accounts not imported now are kept, minus those whose target is gone; generated
    files of accounts no longer in the roster are deleted. Hand-written files are never touched.
    """
    roster = loaded.roster
    source = loaded.path.name
    files: dict[Path, str | None] = {out_dir / p: t for p, t in render(roster, source).items()}
    new_imports = new_imports or {}
    for account in roster.accounts:
        path = out_dir / account / IMPORTS_FILE
        if account in new_imports:
            blocks = new_imports[account]
        else:
            try:
                blocks = prune_imports(parse_imports(path.read_text(encoding="utf-8")), roster, account)
            except FileNotFoundError:
                blocks = []
        files[path] = render_imports(blocks, source) if blocks else None
    if out_dir.is_dir():
        for stale in sorted(out_dir.glob("*/*.tf")):
            if stale not in files and stale.parent.name not in roster.accounts and _generated(stale):
                files[stale] = None
    return files
