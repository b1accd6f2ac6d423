"""Backends that hold or reach parameter values: store, file, command, uci, python."""
