"""The archive's package, built in memory: its layout, its metadata, its PDFs and its checksums.

The layout follows FGS Paketstruktur 2.0, which is E-ARK CSIP 2.1 with E-ARK SIP 2.1 (Riksarkivet,
2023): one root folder named by the package's id, holding ``METS.xml`` (the package's map: the agent
that made it, the descriptive metadata, every file with its SHA-256, size and type, and the physical
structure map), ``metadata/descriptive/lotsa-archive.xml`` (who and which cases, in Lotsa's own small
schema, documented in docs/archive.md), ``representations/rep1/data/<person>/person.pdf`` (one PDF/A-2b
per person: who, and what the unit holds of them beside a case, so that a person without any case keeps
their file too) and ``representations/rep1/data/<person>/case-<id>.pdf`` (one PDF/A-2b per case).
Beside them ``manifest-sha256.txt`` lists the SHA-256 of every other file in the format
``sha256sum --check`` reads. The package is a zip file; nothing of it is written to disk here
(retention.archive encrypts it before it is written).

It renders only: retention.archive has decided and recorded the export of every case it is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import mimetypes
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from django.utils import timezone
from django.utils.translation import gettext as _

from lotsa.pdf import Document

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
LOTSA = "urn:lotsa:archive:1"
PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
MANIFEST = "manifest-sha256.txt"
DESCRIPTIVE = "metadata/descriptive/lotsa-archive.xml"
DATA = "representations/rep1/data"

for prefix, uri in (("mets", METS), ("xlink", XLINK), ("csip", CSIP), ("sip", SIP), ("xsi", XSI)):
    ET.register_namespace(prefix, uri)


@dataclass
class CaseFile:
    """One case as the package keeps it: the facts the metadata names, and its PDF's sections."""

    case_id: object
    activity: str
    status: str
    opened: dt.datetime
    closed: dt.datetime | None
    unit: str
    sections: list[tuple[str, list[str]]]
    activity_label: str = ""  # the activity in words, for the person's PDF


@dataclass
class PersonFile:
    person_id: str
    unit: str
    name: str
    personal_number: str
    protected_identity: str
    identity: list[str]
    # What the unit holds of the person beside their cases (consents, disclosures): in the person's PDF.
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    cases: list[CaseFile] = field(default_factory=list)


@dataclass(frozen=True)
class Built:
    """The zip's bytes and what the package's record counts."""

    data: bytes
    files: int


def _iso(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else ""


def _pdf(title: str, sections: list[tuple[str, list[str]]], *, made_at: dt.datetime, made_by: str) -> bytes:
    """A PDF/A-2b of the archive: the title, the secrecy notice and who made it when, then each section
    as heading and lines."""
    document = Document(title, archival=True)
    document.pdf.creation_date = made_at
    line = document.line
    line(title, 16, "B", 8)
    line(
        _("Subject to secrecy (OSL 26 kap. 1 §). Made for the archive %(when)s by %(who)s.")
        % {"when": timezone.localtime(made_at).strftime("%Y-%m-%d %H:%M"), "who": made_by},
        9,
    )
    document.pdf.ln(3)
    for heading, lines in sections:
        line(heading, 13, "B", 7)
        for item in lines:
            line(item)
        document.pdf.ln(3)
    return document.output()


def person_pdf(person: PersonFile, *, made_at: dt.datetime, made_by: str) -> bytes:
    """The person's own file as a PDF/A-2b, written for every person, with a case or without: who it is
    about, the cases the unit kept (each in its own PDF), and the person's consents and disclosures."""
    cases = [
        _("%(activity)s, opened %(opened)s: %(file)s")
        % {
            "activity": case.activity_label or case.activity,
            "opened": timezone.localtime(case.opened).date().isoformat(),
            "file": f"case-{case.case_id}.pdf",
        }
        for case in person.cases
    ]
    sections = [(_("Person"), person.identity), (_("Cases"), cases or [_("None")]), *person.sections]
    return _pdf(_("Person file for the archive"), sections, made_at=made_at, made_by=made_by)


def case_pdf(person: PersonFile, case: CaseFile, *, made_at: dt.datetime, made_by: str) -> bytes:
    """One case's file as a PDF/A-2b: who it is about, the case, its history, journal and the apps'
    records of it (each section as heading and lines)."""
    sections = [(_("Person"), person.identity), *case.sections]
    return _pdf(_("Case file for the archive"), sections, made_at=made_at, made_by=made_by)


def _descriptive(package_id: str, people: list[PersonFile], paths: dict, *, made_at, made_by, ref) -> bytes:
    root = ET.Element(
        f"{{{LOTSA}}}archivePackage",
        {"id": package_id, "created": _iso(made_at), "createdBy": made_by, "destructionList": ref},
    )
    ET.SubElement(root, f"{{{LOTSA}}}producer").text = "Lotsa"
    for person in people:
        element = ET.SubElement(
            root,
            f"{{{LOTSA}}}person",
            {
                "id": person.person_id,
                "protectedIdentity": person.protected_identity,
                "file": paths[(person.person_id, None)],
            },
        )
        ET.SubElement(element, f"{{{LOTSA}}}unit").text = person.unit
        ET.SubElement(element, f"{{{LOTSA}}}name").text = person.name
        ET.SubElement(element, f"{{{LOTSA}}}personalIdentityNumber").text = person.personal_number
        for case in person.cases:
            ET.SubElement(
                element,
                f"{{{LOTSA}}}case",
                {
                    "id": str(case.case_id),
                    "activity": case.activity,
                    "status": case.status,
                    "opened": _iso(case.opened),
                    "closed": _iso(case.closed),
                    "unit": case.unit,
                    "file": paths[(person.person_id, case.case_id)],
                },
            )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _mets(package_id: str, files: dict[str, bytes], *, made_at, label: str) -> bytes:
    m = f"{{{METS}}}"
    root = ET.Element(
        f"{m}mets",
        {
            "OBJID": package_id,
            "LABEL": label,
            "TYPE": "OTHER",
            f"{{{CSIP}}}OTHERTYPE": "Social services case files",
            f"{{{CSIP}}}CONTENTINFORMATIONTYPE": "OTHER",
            f"{{{CSIP}}}OTHERCONTENTINFORMATIONTYPE": LOTSA,
            "PROFILE": PROFILE,
            f"{{{XSI}}}schemaLocation": f"{METS} http://www.loc.gov/standards/mets/mets.xsd",
        },
    )
    header = ET.SubElement(
        root, f"{m}metsHdr", {"CREATEDATE": _iso(made_at), f"{{{CSIP}}}OAISPACKAGETYPE": "SIP"}
    )
    agent = ET.SubElement(header, f"{m}agent", {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"})
    ET.SubElement(agent, f"{m}name").text = "Lotsa"
    ET.SubElement(agent, f"{m}note", {f"{{{CSIP}}}NOTETYPE": "SOFTWARE VERSION"}).text = "0.1.0"

    def file_element(parent, ident: str, path: str, data: bytes):
        element = ET.SubElement(
            parent,
            f"{m}file",
            {
                "ID": ident,
                "MIMETYPE": mimetypes.guess_type(path)[0] or "application/octet-stream",
                "SIZE": str(len(data)),
                "CREATED": _iso(made_at),
                "CHECKSUM": hashlib.sha256(data).hexdigest(),
                "CHECKSUMTYPE": "SHA-256",
            },
        )
        ET.SubElement(
            element, f"{m}FLocat", {"LOCTYPE": "URL", f"{{{XLINK}}}type": "simple", f"{{{XLINK}}}href": path}
        )

    dmd = ET.SubElement(root, f"{m}dmdSec", {"ID": "dmd-1", "CREATED": _iso(made_at), "STATUS": "CURRENT"})
    descriptive = files[DESCRIPTIVE]
    ET.SubElement(
        dmd,
        f"{m}mdRef",
        {
            "LOCTYPE": "URL",
            "MDTYPE": "OTHER",
            "OTHERMDTYPE": LOTSA,
            f"{{{XLINK}}}type": "simple",
            f"{{{XLINK}}}href": DESCRIPTIVE,
            "MIMETYPE": "text/xml",
            "SIZE": str(len(descriptive)),
            "CREATED": _iso(made_at),
            "CHECKSUM": hashlib.sha256(descriptive).hexdigest(),
            "CHECKSUMTYPE": "SHA-256",
        },
    )
    file_sec = ET.SubElement(root, f"{m}fileSec", {"ID": "filesec-1"})
    group = ET.SubElement(file_sec, f"{m}fileGrp", {"ID": "filegrp-rep1", "USE": "Representations/rep1/Data"})
    data_paths = [path for path in files if path.startswith(DATA)]
    for number, path in enumerate(data_paths, 1):
        file_element(group, f"file-{number}", path, files[path])
    struct = ET.SubElement(root, f"{m}structMap", {"ID": "structmap-1", "TYPE": "PHYSICAL", "LABEL": "CSIP"})
    top = ET.SubElement(struct, f"{m}div", {"ID": "div-root", "LABEL": package_id})
    ET.SubElement(top, f"{m}div", {"ID": "div-metadata", "LABEL": "Metadata", "DMDID": "dmd-1"})
    rep = ET.SubElement(top, f"{m}div", {"ID": "div-rep1", "LABEL": "Representations/rep1"})
    for number, _path in enumerate(data_paths, 1):
        ET.SubElement(rep, f"{m}fptr", {"FILEID": f"file-{number}"})
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def build(
    package_id: str, people: list[PersonFile], *, made_at: dt.datetime, made_by: str, destruction_list: str
) -> Built:
    """The package as zip bytes, in memory."""
    files: dict[str, bytes] = {}
    paths: dict[tuple[str, object], str] = {}
    for person in people:
        path = f"{DATA}/{person.person_id}/person.pdf"
        files[path] = person_pdf(person, made_at=made_at, made_by=made_by)
        paths[(person.person_id, None)] = path
        for case in person.cases:
            path = f"{DATA}/{person.person_id}/case-{case.case_id}.pdf"
            files[path] = case_pdf(person, case, made_at=made_at, made_by=made_by)
            paths[(person.person_id, case.case_id)] = path
    files[DESCRIPTIVE] = _descriptive(
        package_id, people, paths, made_at=made_at, made_by=made_by, ref=destruction_list
    )
    files["METS.xml"] = _mets(package_id, files, made_at=made_at, label=_("Case files kept for the archive"))
    files[MANIFEST] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in sorted(files.items())
    ).encode()
    buffer = io.BytesIO()
    stamp = timezone.localtime(made_at).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in ["METS.xml", MANIFEST, DESCRIPTIVE, *(p for p in files if p.startswith(DATA))]:
            info = zipfile.ZipInfo(f"{package_id}/{path}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[path])
    return Built(data=buffer.getvalue(), files=len(files))
