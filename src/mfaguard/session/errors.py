"""Errors of the developer-session stage, all part of mfaguard's one hierarchy.

Messages never carry a secret: no key, token, TOTP code or seed is ever formatted into them.
"""

from __future__ import annotations

from mfaguard.errors import AwsAccessError, InputError, MfaguardError

__all__ = ["CacheLockedError", "MfaCodeError", "NestedSessionError", "ProfileError", "StsError"]


class ProfileError(InputError):
    """A profile in the AWS config files is missing, incomplete or loops."""


class MfaCodeError(MfaguardError):
    """No usable TOTP code could be obtained, or AWS rejected the one given."""


class StsError(AwsAccessError):
    """AWS STS refused or failed a GetSessionToken / AssumeRole call."""


class NestedSessionError(MfaguardError):
    """`mfaguard exec` was run inside another mfaguard session."""


class CacheLockedError(MfaguardError):
    """The encrypted session cache cannot be opened (no passphrase, or the wrong one)."""
