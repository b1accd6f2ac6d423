"""Diagnostics: IPPing, TraceRoute, TR-143 tests."""
