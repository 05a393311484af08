"""One exception hierarchy. Every error a person can act on carries where it happened and what to do.

Lower-layer errors (botocore, SQLAlchemy, OS) are translated into these at the boundary; the CLI's single
top-level handler turns them into a message and an exit code.
"""

from __future__ import annotations

__all__ = [
    "EXIT_ERROR",
    "EXIT_FAIL_UNDER",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "AwsAccessError",
    "ConfigError",
    "InputError",
    "MfaguardError",
    "MissingExtraError",
    "StoreError",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_FAIL_UNDER = 4


class MfaguardError(Exception):
    """Base of every error mfaguard raises on purpose.

    ``hint`` says what the person should do next; ``exit_code`` is what the CLI exits with.
    """

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class InputError(MfaguardError):
    """Bad input from a file: names the file, the line when known, and the field."""

    exit_code = EXIT_USAGE

    def __init__(
        self, message: str, *, path: str = "", line: int | None = None, field: str = "", hint: str = ""
    ) -> None:
        where = path + (f":{line}" if line else "") if path else ""
        parts = [p for p in (where, f"field '{field}'" if field else "") if p]
        super().__init__(f"{': '.join(parts)}: {message}" if parts else message, hint=hint)
        self.path = path
        self.line = line
        self.field = field


class ConfigError(InputError):
    """The configuration file (mfaguard.toml) is invalid."""


class AwsAccessError(MfaguardError):
    """AWS refused or failed a call mfaguard cannot do without."""


class StoreError(MfaguardError):
    """The snapshot store cannot be opened, read or written."""


class MissingExtraError(MfaguardError):
    """An optional feature needs an extra that is not installed."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"this feature needs the optional module '{module}', which is not installed",
            hint=f"pip install 'mfaguard[{extra}]'",
        )
