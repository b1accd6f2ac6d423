#!/usr/bin/env python3
"""Prints output no mapping can parse."""

print("\x00\x01 not json {{{ ]")
