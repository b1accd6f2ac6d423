"""The SOAP Fault body with its CWMP detail (TR-069 §3.5, S-20)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Self

from lxml import etree

from cwmpd.cwmp.faults import CwmpFault, SetParameterValuesFault, fault_string, fault_type
from cwmpd.cwmp.rpc import Message
from cwmpd.cwmp.soapenc import STRING, TOKEN, UINT, Arg, Struct, elements, invalid
from cwmpd.cwmp.xmlns import SOAP_ENV, local_name

#: The SOAP faultstring of every CWMP fault (S-20).
FAULT_STRING: Final = "CWMP fault"
#: Upper bound on SetParameterValuesFault entries read from one Fault.
MAX_SET_FAULTS: Final = 100_000

_SET_FAULT: Final = Struct(
    (
        Arg("ParameterName", "name", TOKEN),
        Arg("FaultCode", "code", UINT),
        Arg("FaultString", "string", STRING, optional=True),
    ),
    SetParameterValuesFault,
)


@dataclass(frozen=True, slots=True)
class Fault(Message):
    """soap:Fault with faultcode, faultstring "CWMP fault" and detail/cwmp:Fault.

    ``soap_code`` None means faultcode Client or Server as fault_type(code) says; otherwise
    it is a SOAP 1.1 fault code local name ("MustUnderstand", "VersionMismatch", or a
    Client/Server that disagrees with the table), written as ``soap-env:<soap_code>``.
    An empty ``string`` becomes the standard text for ``code``.
    """

    name: ClassVar[str] = "Fault"
    code: int
    string: str = ""
    set_faults: tuple[SetParameterValuesFault, ...] = ()
    soap_code: str | None = None

    def __post_init__(self) -> None:
        if not self.string:
            object.__setattr__(self, "string", fault_string(self.code))

    @classmethod
    def qname(cls, ns: str) -> str:
        """soap-env:Fault, whatever the CWMP namespace."""
        return f"{{{SOAP_ENV}}}Fault"

    @classmethod
    def from_exception(cls, fault: CwmpFault, soap_code: str | None = None) -> Fault:
        """The Fault body answering a request that raised ``fault``."""
        return cls(fault.code, fault.string, fault.set_faults, soap_code)

    def to_exception(self) -> CwmpFault:
        """This fault as a CwmpFault (e.g. to raise 8005 from a session step)."""
        return CwmpFault(self.code, self.string, self.set_faults)

    def fill(self, elem: etree._Element, ns: str) -> None:
        """Write faultcode, faultstring and detail/cwmp:Fault in namespace ``ns``."""
        sub = etree.SubElement
        code = fault_type(self.code) if self.soap_code is None else f"soap-env:{self.soap_code}"
        sub(elem, "faultcode").text = code
        sub(elem, "faultstring").text = FAULT_STRING
        cwmp = sub(sub(elem, "detail"), f"{{{ns}}}Fault")
        sub(cwmp, "FaultCode").text = str(self.code)
        sub(cwmp, "FaultString").text = self.string
        for entry in self.set_faults:
            item = sub(cwmp, "SetParameterValuesFault")
            sub(item, "ParameterName").text = entry.name
            sub(item, "FaultCode").text = str(entry.code)
            sub(item, "FaultString").text = entry.string

    @classmethod
    def decode(cls, elem: etree._Element) -> Self:
        """Read a SOAP Fault; 9003 when detail/cwmp:Fault is missing or malformed (S-21)."""
        parts = {local_name(c.tag): c for c in elements(elem)}
        faultcode = parts.get("faultcode")
        detail = parts.get("detail")
        inner = (
            [c for c in elements(detail) if local_name(c.tag) == "Fault"]
            if detail is not None
            else []
        )
        if faultcode is None or not inner:
            raise invalid("SOAP Fault without faultcode or detail/cwmp:Fault")
        code: int | None = None
        string = ""
        set_faults: list[SetParameterValuesFault] = []
        for child in elements(inner[0]):
            tag = local_name(child.tag)
            if tag == "FaultCode" and code is None:
                code = UINT.get(child, tag)
            elif tag == "FaultString" and not string:
                string = STRING.get(child, tag)
            elif tag == "SetParameterValuesFault" and len(set_faults) < MAX_SET_FAULTS:
                set_faults.append(_SET_FAULT.get(child, tag))
            else:
                raise invalid(f"unexpected {tag} in cwmp:Fault")
        if code is None:
            raise invalid("cwmp:Fault without FaultCode")
        soap_code = local_name((faultcode.text or "").strip().rpartition(":")[2])
        if soap_code == fault_type(code):
            return cls(code, string, tuple(set_faults))
        return cls(code, string, tuple(set_faults), soap_code or None)
