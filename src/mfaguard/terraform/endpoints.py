"""Provider blocks that point the AWS provider at another endpoint (an emulator on loopback).

Written as an override file (``*_override.tf``) they merge into a configuration's own provider blocks,
keeping its ``assume_role`` blocks: the configuration under test stays exactly the one users run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

__all__ = ["DEFAULT_SERVICES", "OVERRIDE_FILENAME", "endpoint_provider_blocks", "write_endpoint_override"]

DEFAULT_SERVICES = ("iam", "sts", "s3")
OVERRIDE_FILENAME = "mfaguard_endpoints_override.tf"


def _q(value: str) -> str:
    return json.dumps(value)  # an HCL string literal


def endpoint_provider_blocks(
    url: str,
    *,
    region: str = "us-east-1",
    aliases: Sequence[str | None] = (None,),
    services: Sequence[str] = DEFAULT_SERVICES,
    provider_major: int = 3,
    access_key: str | None = None,
    secret_key: str | None = None,
) -> str:
    """HCL with one ``provider "aws"`` block per alias (None: the default provider).

    Each block sends ``services`` to ``url`` and sets the skip flags an emulator needs. Arguments that
    differ between provider versions follow ``provider_major`` (3.x: ``skip_get_ec2_platforms`` and
    ``s3_force_path_style``; 4.x and later: ``s3_use_path_style``). Credentials come from the
    environment unless given.
    """
    blocks = []
    for alias in aliases:
        lines = ['provider "aws" {']
        if alias:
            lines.append(f"  alias  = {_q(alias)}")
        lines.append(f"  region = {_q(region)}")
        if access_key is not None and secret_key is not None:
            lines += [f"  access_key = {_q(access_key)}", f"  secret_key = {_q(secret_key)}"]
        lines += [
            "  skip_credentials_validation = true",
            "  skip_requesting_account_id  = true",
            "  skip_metadata_api_check     = true",
            "  skip_region_validation      = true",
            "  max_retries                 = 1",
        ]
        if provider_major < 5:
            lines.append("  skip_get_ec2_platforms      = true")
        lines.append("  s3_force_path_style         = true" if provider_major < 4 else "  s3_use_path_style = true")
        lines.append("  endpoints {")
        lines += [f"    {service} = {_q(url)}" for service in services]
        lines += ["  }", "}"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def write_endpoint_override(
    workdir: str | os.PathLike[str], url: str, *, filename: str = OVERRIDE_FILENAME, **options: object
) -> Path:
    """Write :func:`endpoint_provider_blocks` into ``workdir/filename`` and return its path.

    With the default ``*_override.tf`` name the blocks merge into existing provider blocks (list every
    alias the configuration declares); name it e.g. ``providers.tf`` for a configuration without any.
    """
    target = Path(workdir) / filename
    target.write_text(endpoint_provider_blocks(url, **options), encoding="utf-8")  # type: ignore[arg-type]
    return target
