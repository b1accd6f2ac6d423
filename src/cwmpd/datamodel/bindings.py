"""What a device plugin declares: which parameter lives in which backend (plain bookkeeping)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cwmpd.backends.base import Backend
from cwmpd.cwmp import paths
from cwmpd.datamodel.vendor import VendorDefs

#: A dynamic getter: called with the concrete name, returns the value as a string.
Getter = Callable[[str], str]


@dataclass
class Declarations:
    """Collects a plugin's parameters; handed to ``DevicePlugin.declare``.

    ``store`` parameters keep their value in the agent's own persisted store, ``getter``
    parameters are computed by Python code (read-only), ``bind`` routes a parameter to any
    other backend. Tables of store parameters are store tables unless ``table`` says
    otherwise. ``factory`` values are concrete names (instances included) with the values
    a fresh or factory-reset device has; they also create the factory instances.
    ``vendor`` defines ``X_<VENDOR>_`` parameters and objects (cwmpd.datamodel.vendor).
    """

    root: str
    store_params: dict[str, str | None] = field(default_factory=dict)
    getters: dict[str, Getter] = field(default_factory=dict)
    bound: dict[str, Backend] = field(default_factory=dict)
    tables: dict[str, Backend | None] = field(default_factory=dict)
    factory_values: dict[str, str] = field(default_factory=dict)
    read_only: set[str] = field(default_factory=set)
    vendor: VendorDefs = field(default_factory=VendorDefs)

    def store(self, name: str, default: str | None = None) -> None:
        """Keep generic parameter ``name`` in the store; ``default`` for new instances."""
        self._check(name)
        self.store_params[name] = default

    def getter(self, name: str, get: Getter) -> None:
        """Compute read-only generic parameter ``name`` with ``get(concrete_name)``."""
        self._check(name)
        self.getters[name] = get

    def bind(self, name: str, backend: Backend, *, writable: bool = True) -> None:
        """Route generic parameter ``name`` to ``backend`` (read-only if not ``writable``)."""
        self._check(name)
        self.bound[name] = backend
        if not writable:
            self.read_only.add(name)

    def table(self, name: str, backend: Backend | None = None) -> None:
        """Declare generic table ``name`` ("X.{i}."); its instances come from ``backend``."""
        if not name.endswith(f".{paths.INSTANCE}."):
            raise ValueError(f"not a generic table name: {name!r}")
        self.tables[name] = backend

    def factory(self, values: Mapping[str, str]) -> None:
        """Add concrete factory values (they win over ``store`` defaults)."""
        for name in values:
            if not name.startswith(self.root) or paths.is_partial(name):
                raise ValueError(f"bad factory value name {name!r}")
        self.factory_values.update(values)

    def _check(self, name: str) -> None:
        if not name.startswith(self.root) or paths.is_partial(name):
            raise ValueError(f"not a parameter of {self.root}: {name!r}")
        if name in self.store_params or name in self.getters or name in self.bound:
            raise ValueError(f"parameter declared twice: {name}")
