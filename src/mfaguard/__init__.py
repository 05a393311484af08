"""mfaguard: roll out, enforce and keep enforced MFA across every AWS account of an organization."""

from mfaguard.errors import MfaguardError

__version__ = "0.1.0"
__all__ = ["MfaguardError", "__version__"]
