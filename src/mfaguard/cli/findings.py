"""`mfaguard findings`: what each finding id means and how to fix it."""

from __future__ import annotations

import click

from mfaguard.audit.findings import CATALOG, render_catalog_markdown
from mfaguard.errors import InputError

__all__ = ["findings"]


@click.command()
@click.argument("finding_id", required=False, metavar="[ID]")
@click.option("--markdown", is_flag=True, help="Print the whole catalog as Markdown (docs/findings.md).")
def findings(finding_id: str | None, markdown: bool) -> int:
    """Describe the audit's findings (all, or one ID such as MFA001) and how to fix them."""
    if markdown:
        click.echo(render_catalog_markdown(), nl=False)
        return 0
    specs = list(CATALOG.values())
    if finding_id:
        key = finding_id.upper()
        match = [s for s in specs if s.id == key or s.slug == finding_id.lower()]
        if not match:
            raise InputError(f"unknown finding '{finding_id}'", hint=f"known ids: {', '.join(CATALOG)}")
        specs = match
    for s in specs:
        click.echo(f"{s.id} {s.slug} [{s.severity.value}]: {s.title}")
        if finding_id:
            click.echo(f"\n  Meaning: {s.meaning}\n\n  Fix: {s.fix}")
    return 0
