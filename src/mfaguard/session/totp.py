"""Where TOTP codes come from: a flag, a command (password manager, YubiKey), a seed in the keyring, a prompt.

A code is a secret for its 30 seconds: it is never logged and never part of an error message.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
from collections.abc import Callable, Sequence
from typing import Protocol

from mfaguard.session.errors import MfaCodeError
from mfaguard.session.store import SecretStore

__all__ = [
    "ChainSource",
    "FixedCode",
    "ProcessCode",
    "PromptCode",
    "StoredSeedCode",
    "TotpSource",
    "seed_name",
    "store_seed",
]

log = logging.getLogger(__name__)
_CODE = re.compile(r"^\d{6}$")
_SEED_PREFIX = "totp-seed|"


class TotpSource(Protocol):
    def code(self, mfa_serial: str) -> str | None:
        """A current code for the device, or None when this source has none for it."""


def _checked(code: str, where: str) -> str:
    code = code.strip()
    if not _CODE.match(code):
        # The bad value itself is not shown: it may be a seed or a password printed by mistake.
        raise MfaCodeError(f"{where} did not give a 6-digit code", hint="a TOTP code is exactly 6 digits")
    return code


class FixedCode:
    """The code given on the command line (``--mfa-token``)."""

    def __init__(self, code: str) -> None:
        self._code = code

    def code(self, mfa_serial: str) -> str | None:
        return _checked(self._code, "--mfa-token")

    def __repr__(self) -> str:
        return "FixedCode(***)"


class ProcessCode:
    """Runs ``mfa_process`` (e.g. ``op item get aws --otp`` or ``ykman oath accounts code -s aws``).

    As aws-vault does, the line is run by ``/bin/sh -c`` (pipes, ``~`` and variables work, so aws-vault
    configs carry over) and the command's stderr is left on the terminal: tools ask there to unlock a
    vault or to touch a YubiKey. Only its stdout is read; the last word that looks like a code is used,
    so that tools printing a label work too.
    """

    def __init__(self, command: str, timeout: float = 60.0) -> None:
        self.command = command
        self.timeout = timeout

    def code(self, mfa_serial: str) -> str | None:
        log.info("getting an MFA code from mfa_process")
        argv = ["/bin/sh", "-c", self.command] if os.name == "posix" else shlex.split(self.command)
        hint = f"check the command in mfa_process: {self.command.split()[0] if self.command.split() else ''}"
        try:
            proc = subprocess.run(
                argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, timeout=self.timeout,
                check=False,
            )
        except (OSError, ValueError) as exc:
            raise MfaCodeError(f"mfa_process could not run: {exc.__class__.__name__}", hint=hint) from None
        except subprocess.TimeoutExpired:
            raise MfaCodeError(f"mfa_process gave no code in {self.timeout:.0f} s") from None
        if os.name == "posix" and proc.returncode in (126, 127):  # the shell could not find or run it
            raise MfaCodeError("mfa_process could not run: command not found or not executable", hint=hint)
        if proc.returncode != 0:
            raise MfaCodeError(
                f"mfa_process exited with {proc.returncode}",
                hint="run the command by hand to see why (it may need an unlocked password manager)",
            )
        words = [w for w in proc.stdout.split() if _CODE.match(w)]
        return _checked(words[-1] if words else "", "mfa_process")


def seed_name(mfa_serial: str) -> str:
    return f"{_SEED_PREFIX}{mfa_serial}"


def store_seed(store: SecretStore, mfa_serial: str, seed: str) -> None:
    import pyotp

    normalized = seed.replace(" ", "").upper()
    try:
        pyotp.TOTP(normalized).now()
    except (ValueError, TypeError, Exception):  # binascii.Error is a ValueError; be broad, say nothing of it
        raise MfaCodeError("the TOTP seed is not valid base32", hint="paste the secret key shown at setup") from None
    store.set(seed_name(mfa_serial), normalized)


class StoredSeedCode:
    """Computes the code from a seed kept in the secret store (``mfaguard configure --store-totp-seed``)."""

    def __init__(self, store: SecretStore) -> None:
        self.store = store

    def code(self, mfa_serial: str) -> str | None:
        seed = self.store.get(seed_name(mfa_serial))
        if not seed:
            return None
        import pyotp

        log.info("computing the MFA code from the stored TOTP seed")
        return str(pyotp.TOTP(seed).now())


class PromptCode:
    """Asks a person. ``ask`` shows the prompt and returns the answer (to the terminal, never a log)."""

    def __init__(self, ask: Callable[[str], str] | None) -> None:
        self.ask = ask

    def code(self, mfa_serial: str) -> str | None:
        if self.ask is None:
            return None
        return _checked(self.ask(f"MFA code for {mfa_serial}"), "the prompt")


class ChainSource:
    """The first source that has a code; the last resort is the prompt."""

    def __init__(self, sources: Sequence[TotpSource]) -> None:
        self.sources = list(sources)

    def code(self, mfa_serial: str) -> str | None:
        for source in self.sources:
            code = source.code(mfa_serial)
            if code is not None:
                return code
        raise MfaCodeError(
            f"no MFA code for {mfa_serial}: no terminal to ask on",
            hint="pass --mfa-token, set mfa_process in the profile, or store the TOTP seed "
            "with `mfaguard configure --store-totp-seed`",
        )
