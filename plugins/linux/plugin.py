"""The generic Linux host: values from /proc, /sys, /etc and ``ip -j`` (see mapping.toml)."""

from cwmpd.datamodel.mapping import plugin_factory

create = plugin_factory(__file__)
