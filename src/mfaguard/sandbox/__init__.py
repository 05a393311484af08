"""The embedded sandbox organization: the moto AWS emulator, started by mfaguard, seeded with people.

Needs the `sandbox` extra (moto); nothing else in mfaguard imports this package.
"""
