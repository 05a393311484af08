"""`mfaguard render`: roster -> Terraform, one directory per account."""

from __future__ import annotations

import re
from pathlib import Path

import click

from mfaguard.config import load_config
from mfaguard.errors import EXIT_ERROR

__all__ = ["render"]


@click.command()
@click.option("-r", "--roster", "roster_path", type=click.Path(dir_okay=False), help="Roster file "
              "(default: [roster] path in mfaguard.toml, then roster.yaml).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), help="Output directory "
              "(default: [roster] terraform_dir, then terraform/accounts).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the files are not up to date (for CI).")
@click.pass_context
def render(ctx: click.Context, roster_path: str | None, out_dir: str | None, check: bool) -> int:
    """Render the roster into Terraform.

    Writes <out>/<account>/main.tf (provider, S3 backend) and users.tf (one iam-user module instance
    per IAM user, with its enforcement group memberships), drops import blocks whose target is gone,
    and deletes generated files of accounts no longer in the roster. Same roster, same bytes.
    """
    from mfaguard.roster.files import unchanged, write_files
    from mfaguard.roster.load import load_roster
    from mfaguard.roster.output import plan_files
    from mfaguard.roster.settings import roster_settings

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    settings = roster_settings(config.extra, config.source_path or "mfaguard.toml")
    loaded = load_roster(Path(roster_path or settings.path))
    files = plan_files(loaded, Path(out_dir or settings.terraform_dir))
    if check:
        stale = sorted(str(p) for p, t in files.items() if not unchanged(p, t))
        for path in stale:
            click.echo(f"out of date: {path}")
        if stale:
            click.echo("run `mfaguard render` and commit the result", err=True)
            return EXIT_ERROR
        click.echo("up to date")
        return 0
    added = _new_modules(files)
    written = write_files(files)
    for path in written:
        click.echo(f"{'deleted' if files[path] is None else 'wrote'} {path}")
    for directory in added:
        # Each IAM user is a module block of its own: Terraform installs new ones at init.
        click.echo(f"new users in {directory}: run `terraform init` there before `terraform plan`", err=True)
    people = len(loaded.roster.people)
    click.echo(f"rendered {people} people in {len(loaded.roster.accounts)} account(s); "
               f"{len(written)} file(s) changed", err=True)
    return 0


def _new_modules(files: dict[Path, str | None]) -> list[Path]:
    """Directories whose users.tf gains module blocks it did not have."""
    def names(text: str) -> set[str]:
        return set(re.findall(r'^module "([^"]+)"', text, re.M))

    out = []
    for path, text in files.items():
        if path.name == "users.tf" and text is not None:
            before = path.read_text(encoding="utf-8") if path.exists() else ""
            if names(text) - names(before):
                out.append(path.parent)
    return sorted(out)
