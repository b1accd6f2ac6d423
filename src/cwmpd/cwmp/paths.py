"""Path-name helpers for CWMP names (a few string rules; nothing in the stdlib does this).

A *full* name names a parameter ("Device.DeviceInfo.UpTime"); a *partial* name ends with a
dot and names an object ("Device.IP.Interface.1."). A *generic* name replaces every
instance number by ``{i}`` ("Device.IP.Interface.{i}.Enable"), which is how the Broadband
Forum definitions and device plugins name things.
"""

from __future__ import annotations

import re

INSTANCE = "{i}"
_NUMBER = re.compile(r"(?<=\.)[0-9]+(?=\.|$)")
_VALID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.([A-Za-z_][A-Za-z0-9_-]*|[0-9]+))*\.?$")


def generic(name: str) -> str:
    """The generic form of a concrete name: instance numbers become ``{i}``."""
    return _NUMBER.sub(INSTANCE, name)


def is_partial(name: str) -> bool:
    """True for an object (partial path) name, which ends with a dot."""
    return name.endswith(".")


def well_formed(name: str) -> bool:
    """True when ``name`` is syntactically a CWMP path (no empty, odd or wildcard segment)."""
    return bool(_VALID.match(name))


def parent(name: str) -> str:
    """The object containing ``name`` ("A.B.C" and "A.B.C." both give "A.B.")."""
    stripped = name[:-1] if name.endswith(".") else name
    cut = stripped.rfind(".")
    return stripped[: cut + 1] if cut >= 0 else ""


def last_segment(name: str) -> str:
    """The last segment of ``name`` without dots ("A.B.3." gives "3")."""
    stripped = name[:-1] if name.endswith(".") else name
    return stripped[stripped.rfind(".") + 1 :]


def ancestors(name: str) -> list[str]:
    """Every object above ``name``, outermost first ("A.B.C" gives ["A.", "A.B."])."""
    out: list[str] = []
    pos = name.find(".")
    end = len(name) - 1 if name.endswith(".") else len(name)
    while 0 <= pos < end:
        out.append(name[: pos + 1])
        pos = name.find(".", pos + 1)
    return out


def is_instance(name: str) -> bool:
    """True for an instance object ("Device.IP.Interface.2.")."""
    return name.endswith(".") and last_segment(name).isdigit()


def under(name: str, prefix: str) -> bool:
    """True when ``name`` is ``prefix`` itself or lies below it ("" is above everything)."""
    return name.startswith(prefix)
