"""Diagnostics: IPPing, TraceRoute, TR-143 download/upload and NSLookup as data-model objects."""
