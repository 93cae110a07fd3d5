#!/usr/bin/env python3
"""The answer shapes every independent SOAP client in CI must bind, and what each holds.

Why: a typed client (zeep, PHP SoapClient, node soap) is only shown to bind our answers
if it is shown every shape a LAS may send (geengegevens, geenwijzigingen, the getrapt
answers, a person known only by roepnaam, a school known only by schoolkey, a fault...),
and its typed result is compared with the data. `uwlr mock-las --answer FILE` serves a
file's answer to a request whose gegevenssetid is the file name without .xml; this
module turns the same files into cases (which operation to call, with which
gegevenssetid, and the expected leaves or fault), so that every client compares its
typed answer with the file, not with what another client made of it.

Leaves are a client-neutral form of an answer: one [path, value] pair per attribute or
text value, path segments "name[i]" with i the position among same-named siblings
(attributes count as children named like the attribute, at index 0), and an element
with no attributes, children or text as a leaf with value "". Values are text, with
xs:dateTime values normalised (norm_value) because typed clients print them their own
way.

Usage (writes the cases as JSON for the PHP and node checks, and prints the files that
hold an answer, one a line, for `uwlr mock-las --answer`; other files are left out):
  python3 scripts/interop_cases.py --out target/interop/cases.json FILE...
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"

# Answer element -> (port, operation, request element of the getrapt group selection or None).
OPERATIONS = {
    "leerlinggegevens_antwoord": ("prtLeerlinggegevensService", "HaalLeerlinggegevens", None),
    "structuur_antwoord": ("prtLeerlinggegevensService-getrapt", "HaalStructuur", None),
    "leerlingen_antwoord": ("prtLeerlinggegevensService-getrapt", "HaalLeerlingen", "groepen"),
    "leerkrachten_antwoord": ("prtLeerlinggegevensService-getrapt", "HaalLeerkrachten", "groepen"),
}
# A fault file is served to the operation named in its file name, else to HaalStructuur
# (a getrapt operation: its WSDL declares the fault).
FAULT_DEFAULT = "structuur_antwoord"

DATETIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def norm_value(v: str) -> str:
    """xs:dateTime text in one form: 'Z' as +00:00, the fraction cut to microseconds (what
    Python's datetime holds; UWLR senders write at most 6 digits) without trailing zeros."""
    m = DATETIME.match(v)
    if not m:
        return v
    base, frac, zone = m.groups()
    frac = (frac or "")[:7].rstrip("0")
    if frac == ".":
        frac = ""
    if zone == "Z":
        zone = "+00:00"
    return base + frac + (zone or "")


def leaves_of(el: ET.Element, prefix: str = "") -> list[list[str]]:
    """The leaves under el (el itself not part of the paths)."""
    out: list[list[str]] = []
    for name, value in el.attrib.items():
        if "}" not in name:  # xsi:type and friends are not data
            out.append([f"{prefix}{name}[0]", norm_value(value)])
    counts: dict[str, int] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = local(child.tag)
        i = counts.get(name, 0)
        counts[name] = i + 1
        path = f"{prefix}{name}[{i}]"
        text = (child.text or "").strip()
        if len(child) == 0 and not child.attrib:
            out.append([path, norm_value(text)])
        else:
            if text:
                out.append([path, norm_value(text)])
            out.extend(leaves_of(child, path + "/"))
    return out


def body_of(root: ET.Element) -> ET.Element:
    if root.tag == f"{{{NS_SOAP}}}Envelope":
        body = root.find(f"{{{NS_SOAP}}}Body")
        if body is None or len(body) == 0:
            raise ValueError("SOAP envelope without body content")
        return body[0]
    return root


def case_of(path: Path) -> dict | None:
    """One case: what to call and what must come back; None for a file that holds no
    pupil-data answer or fault (a request, a leerresultaten_bevestiging)."""
    name = path.name[: -len(".xml")] if path.name.endswith(".xml") else path.name
    el = body_of(ET.parse(path).getroot())
    answer = local(el.tag)
    if answer == "Fault":
        target = next((a for a in OPERATIONS if a.split("_")[0] in name), FAULT_DEFAULT)
        code = (el.findtext("faultcode") or "").strip().rsplit(":", 1)[-1]
        expect = {"fault": code}
    elif answer in OPERATIONS:
        target = answer
        expect = {"leaves": sorted(leaves_of(el))}
    else:
        return None
    port, operation, groepen = OPERATIONS[target]
    return {
        "name": name,
        "file": str(path),
        "answer": target,
        "port": port,
        "operation": operation,
        # getrapt leerlingen/leerkrachten requests need a group selection; the canned
        # answer does not depend on it.
        "groepen": ["G1"] if groepen else None,
        # v23only files use what 2.2 cannot say: no 2.2 validation for them.
        "v23only": ".v23only." in path.name,
        "expect": expect,
    }


def cases(paths: list[Path]) -> list[dict]:
    return [c for c in map(case_of, paths) if c is not None]


def compare(expected: list[list[str]], got: list[list[str]]) -> str:
    """'' when equal, else a short account of the difference."""
    e = sorted(map(tuple, expected))
    g = sorted(map(tuple, got))
    if e == g:
        return ""
    missing = [x for x in e if x not in g][:3]
    extra = [x for x in g if x not in e][:3]
    return f"{len(e)} leaves expected, {len(g)} bound; missing {missing}; unexpected {extra}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("files", nargs="+", type=Path)
    a = ap.parse_args()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    found = cases(a.files)
    if not found:
        print("no pupil-data answer among the files", file=sys.stderr)
        return 1
    a.out.write_text(json.dumps(found, indent=1), encoding="utf-8")
    for c in found:
        print(c["file"])
    print(f"{len(found)} cases written to {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
