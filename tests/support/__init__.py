"""Shared test infrastructure: real servers on loopback, started and stopped by the suite."""
