"""The mosquitto fixture for these tests."""

from support.mosquitto import broker  # noqa: F401 - a fixture, used by name
