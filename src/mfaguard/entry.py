"""The `mfaguard` console script.

A cached `mfaguard credential-process` runs on every AWS CLI/SDK call, so it answers here, before click
or anything heavy is imported; everything else goes to the full command line in ``mfaguard.cli``.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["main"]


def main(argv: list[str] | None = None) -> Any:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["credential-process"]:
        from mfaguard.session.fastpath import cached_credential_process

        if cached_credential_process(args):
            sys.exit(0)
    from mfaguard.cli import main as cli_main

    return cli_main(argv)
