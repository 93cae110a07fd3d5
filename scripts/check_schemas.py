#!/usr/bin/env python3
"""Check UWLR XML messages against our 2.3 schemas and the public 2.2 schemas.

Why: our schemas in schemas/uwlr-2.3/ are written from a description, not
copied, so they need an independent check; and what our encoder emits should
also be accepted by 2.2-era partners wherever 2.3 allows it.

For every XML message file found under the given paths:
  - a SOAP 1.1 Envelope is split into the documents it carries: the Body's
    first child and, if present, the autorisatie header entry; the envelope
    itself is checked against our soap-envelope-1.1.xsd;
  - any other file is one document, its root element;
  - each document is validated against OUR 2.3 schema for its namespace and
    against the PUBLIC 2.2 schema (from --shared).
Files whose name contains ".v23only." use 2.3-only features (pupil without
key, a school year after 2024-2025, no leerlingid): a 2.2 failure there is an
expected 2.3 difference and counts as a pass. Files under a directory named
"invalid" are codec-level invalid fixtures and are skipped.

Also checks that every schema in schemas/uwlr-2.3/ loads, that our WSDLs load
with the schemas they import, and that they declare the same interface
(names, messages, SOAPActions, headers, faults) as the public 2.2 WSDLs; and
that the forms our pupil-data schema takes for Python zeep's sake accept
exactly the documents of the plain forms (check_zeep_forms).

Prints one line per check and ends with "N passed, M failed"; exits 1 when
anything failed, 2 on bad usage.

Usage:
    python3 scripts/check_schemas.py [--shared DIR] PATH [PATH ...]

Needs Python 3.11+ and the xmlschema package (pip install xmlschema).
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

try:
    import xmlschema
    from xmlschema.extras.wsdl import Wsdl11Document
except ImportError:  # pragma: no cover - depends on the environment
    sys.exit("check_schemas.py needs the 'xmlschema' package: pip install xmlschema")

REPO_ROOT = Path(__file__).resolve().parent.parent
OUR_DIR = REPO_ROOT / "schemas" / "uwlr-2.3"
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "schemas" / "uwlr"

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_LL = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens"
NS_LR = "http://www.edustandaard.nl/leerresultaten/2/leerresultaten"
NS_AUT = "http://www.edustandaard.nl/leerresultaten/2/autorisatie"
NS_TD = "http://www.edustandaard.nl/leerresultaten/2/toetsdefinities"

# Prefixes for the XPath expressions that select documents inside envelopes.
XPATH_NS = {"soap": NS_SOAP, "aut": NS_AUT}

# Schema per namespace: ours (relative to OUR_DIR), public 2.2 (relative to --shared).
OUR_XSD = {
    NS_LL: "uwlr-leerlinggegevens-2.3.xsd",
    NS_LR: "uwlr-leerresultaten-2.3.xsd",
    NS_AUT: "uwlr-autorisatie-2.3.xsd",
    NS_TD: "uwlr-toetsdefinities-2.3.xsd",
    NS_SOAP: "soap-envelope-1.1.xsd",
}
PUBLIC_XSD = {
    NS_LL: "v2p2/Schemas/UWLR_Leerlinggegevens_v2p2.xsd",
    NS_LR: "v2p2/Schemas/UWLR_Leerresultaten_v2p2.xsd",
    NS_AUT: "v2p2/Schemas/UWLR_Autorisatie_v2p2.xsd",
    NS_TD: "v2p2/Schemas/UWLR_Toetsdefinities_v2p2.xsd",
    NS_SOAP: "v2p2/Schemas/SOAP_Envelope.xsd",
}

# Our WSDL -> the public 2.2 WSDL whose interface it must reproduce.
WSDL_PAIRS = {
    "wsdl/uwlr-leerlinggegevens-2.3.wsdl": "v2p2/wsdl/UWLR_Leerlinggegevens_v2p2.wsdl",
    "wsdl/uwlr-leerresultaten-2.3.wsdl": "v2p2/wsdl/UWLR_Leerresultaten_v2p2.wsdl",
}

V23ONLY_MARK = ".v23only."
INVALID_DIR = "invalid"
MAX_REASON = 300  # characters of an error shown on a result line


@dataclass
class Document:
    """One element of a message file to validate against a schema."""

    what: str  # label for the report: "body", "header", "envelope" or "root"
    namespace: str
    local_name: str
    xpath: str | None  # None: the root element


class Report:
    """Collects one line per check and the totals."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def ok(self, subject: str, check: str, note: str = "") -> None:
        self.passed += 1
        print(f"PASS  {check:<12} {subject}" + (f"  ({note})" if note else ""))

    def fail(self, subject: str, check: str, reason: str) -> None:
        self.failed += 1
        print(f"FAIL  {check:<12} {subject}  {shorten(reason)}")

    def skip(self, subject: str, reason: str) -> None:
        self.skipped += 1
        print(f"SKIP  {'':<12} {subject}  ({reason})")


def shorten(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


class SchemaCache:
    """Loads each schema once; remembers load failures so they are reported once."""

    def __init__(self) -> None:
        self._schemas: dict[Path, xmlschema.XMLSchema10 | Exception] = {}

    def get(self, path: Path) -> xmlschema.XMLSchema10:
        if path not in self._schemas:
            try:
                self._schemas[path] = xmlschema.XMLSchema10(str(path))
            except Exception as exc:  # noqa: BLE001 - any load error is reported
                self._schemas[path] = exc
        result = self._schemas[path]
        if isinstance(result, Exception):
            raise result
        return result


def find_documents(root: ET.Element) -> tuple[list[Document], str | None]:
    """The documents a message file carries, or an error text."""
    ns, local = split_tag(root.tag)
    if (ns, local) != (NS_SOAP, "Envelope"):
        return [Document("root", ns, local, None)], None

    docs = [Document("envelope", NS_SOAP, "Envelope", None)]
    body = root.find(f"{{{NS_SOAP}}}Body")
    if body is None:
        return docs, "SOAP Envelope without Body"
    if len(body) == 0:
        return docs, "SOAP Body is empty"
    body_ns, body_local = split_tag(body[0].tag)
    docs.append(Document("body", body_ns, body_local, "/soap:Envelope/soap:Body/*[1]"))
    header = root.find(f"{{{NS_SOAP}}}Header")
    if header is not None and header.find(f"{{{NS_AUT}}}autorisatie") is not None:
        docs.append(
            Document("header", NS_AUT, "autorisatie", "/soap:Envelope/soap:Header/aut:autorisatie")
        )
    return docs, None


def first_error(schema: xmlschema.XMLSchema10, resource: xmlschema.XMLResource,
                doc: Document) -> str | None:
    """Validate one document; return a readable first error, or None when valid."""
    tag = f"{{{doc.namespace}}}{doc.local_name}"
    # xmlschema silently skips a selected non-root element that has no global
    # declaration, so a misspelt payload would "pass": refuse it explicitly.
    if tag not in schema.maps.elements:
        return f"element {doc.local_name!r} is not declared in this schema"
    kwargs = {}
    if doc.xpath:
        # schema_path=tag makes xmlschema use the global declaration of the
        # element instead of trying to map the envelope path onto the schema.
        kwargs = {"path": doc.xpath, "schema_path": tag, "namespaces": XPATH_NS,
                  "allow_empty": False}
    errors = list(schema.iter_errors(resource, **kwargs))
    if not errors:
        return None
    err = errors[0]
    where = getattr(err, "path", None) or ""
    reason = getattr(err, "reason", None) or str(err)
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {reason}{more}"


def check_message(path: Path, display: str, shared: Path, cache: SchemaCache,
                  report: Report) -> None:
    v23only = V23ONLY_MARK in path.name
    try:
        root = ET.parse(path).getroot()
        resource = xmlschema.XMLResource(str(path))
    except (ET.ParseError, xmlschema.XMLResourceError) as exc:
        report.fail(display, "well-formed", str(exc))
        return

    docs, problem = find_documents(root)
    if problem:
        report.fail(display, "envelope", problem)

    for doc in docs:
        subject = f"{display} [{doc.what} {doc.local_name}]"
        if doc.what == "envelope":
            # Only ours: the public envelope schema validates Body content
            # strictly, which the body check below does separately anyway.
            checks = [("2.3", OUR_DIR / OUR_XSD[NS_SOAP])]
        elif doc.namespace in OUR_XSD:
            checks = [("2.3", OUR_DIR / OUR_XSD[doc.namespace]),
                      ("2.2", shared / PUBLIC_XSD[doc.namespace])]
        else:
            report.fail(subject, "namespace", f"no UWLR schema for namespace {doc.namespace!r}")
            continue

        for version, xsd in checks:
            check = f"{version} {doc.what}"
            try:
                schema = cache.get(xsd)
            except Exception as exc:  # noqa: BLE001
                report.fail(subject, check, f"schema {xsd} does not load: {exc}")
                continue
            error = first_error(schema, resource, doc)
            if error is None:
                report.ok(subject, check)
            elif version == "2.2" and v23only:
                report.ok(subject, check, f"expected 2.3 difference: {shorten(error)}")
            else:
                report.fail(subject, check, error)


def collect_files(paths: list[Path]) -> list[tuple[Path, bool]]:
    """(file, skip) pairs: every *.xml under directories, files as given.

    A file is skipped when a directory named "invalid" appears in its path as
    given on the command line (not resolved, so that a checkout that happens
    to live under such a directory is not skipped whole).
    """
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*.xml") if f.is_file()))
        else:
            found.append(p)
    return [(f, INVALID_DIR in f.parts[:-1]) for f in found]


def wsdl_interface(doc: Wsdl11Document) -> set[tuple]:
    """Everything a generated client depends on, addresses excluded."""
    sig: set[tuple] = set()
    for m in doc.messages.values():
        for part_name, element in m.parts.items():
            sig.add(("message", m.name, part_name, getattr(element, "name", None)))
    for pt in doc.port_types.values():
        for op in pt.operations.values():
            faults = tuple(sorted((f.name, f.message.name) for f in op.faults.values()))
            sig.add(("portType", pt.name, op.name, op.input.message.name,
                     op.output.message.name, faults))
    for b in doc.bindings.values():
        sig.add(("binding", b.name, b.port_type.name, b.soap_style, b.soap_transport))
        for op in b.operations.values():
            headers = tuple((h.message.name, getattr(h.part, "name", None), h.use)
                            for h in op.input.soap_headers)
            out_headers = tuple(h.message.name for h in op.output.soap_headers)
            faults = tuple(sorted(f.name for f in op.faults.values()))
            sig.add(("operation", b.name, op.name, op.soap_action,
                     op.input.soap_body.use, op.output.soap_body.use,
                     headers, out_headers, faults))
    for s in doc.services.values():
        for port in s.ports.values():
            sig.add(("port", s.name, port.name, port.binding.name))
    return sig


def check_wsdls(shared: Path, cache: SchemaCache, report: Report) -> None:
    for xsd in sorted(OUR_DIR.glob("*.xsd")):
        subject = str(xsd.relative_to(REPO_ROOT))
        try:
            cache.get(xsd)
            report.ok(subject, "xsd loads")
        except Exception as exc:  # noqa: BLE001
            report.fail(subject, "xsd loads", str(exc))

    for ours_rel, public_rel in WSDL_PAIRS.items():
        ours = OUR_DIR / ours_rel
        subject = str(ours.relative_to(REPO_ROOT))
        try:
            ET.parse(ours)
            report.ok(subject, "well-formed")
        except (OSError, ET.ParseError) as exc:
            report.fail(subject, "well-formed", str(exc))
            continue
        try:
            # Loads wsdl:types and the schemas it imports, and resolves every
            # message part, port type, binding and port reference.
            ours_doc = Wsdl11Document(str(ours))
            report.ok(subject, "wsdl loads")
        except Exception as exc:  # noqa: BLE001
            report.fail(subject, "wsdl loads", str(exc))
            continue
        try:
            public_doc = Wsdl11Document(str(shared / public_rel))
        except Exception as exc:  # noqa: BLE001
            report.fail(subject, "same as 2.2", f"public WSDL {public_rel} does not load: {exc}")
            continue
        mine, theirs = wsdl_interface(ours_doc), wsdl_interface(public_doc)
        if mine == theirs:
            report.ok(subject, "same as 2.2", f"{len(mine)} interface items")
        else:
            diff = [f"only ours: {x}" for x in sorted(map(str, mine - theirs))]
            diff += [f"only 2.2: {x}" for x in sorted(map(str, theirs - mine))]
            report.fail(subject, "same as 2.2", "; ".join(diff))


# Our pupil-data schema wraps a few required elements in a choice of one
# (<xs:choice><xs:element/></xs:choice>) so that Python zeep can bind every
# answer (see the schema's header). That must not change which documents are
# valid: check_zeep_forms compares it with the plain form (each choice of one
# replaced by its element) on every element sequence the rewrites touch.
CHOICE_OF_ONE = re.compile(r"<xs:choice>\s*(<xs:element name=\"[^\"]+\"[^>]*/>)\s*</xs:choice>")
NAAM = [("achternaam", "A"), ("voorvoegsel", "de"), ("voornamen", "A B"), ("voorletters-1", "A."),
        ("roepnaam", "R"), ("geboortedatum", "2015-01-01")]
SCHOOL_ID = [("brincode", "99DE"), ("dependancecode", "01"), ("instellingsnummer", "1234"),
             ("schoolkey", "k"), ("xsdversie", "2.3")]
ANSWERS = ["leerlinggegevens_antwoord", "structuur_antwoord", "leerlingen_antwoord", "leerkrachten_antwoord"]


def sequences(symbols: list, longest: int):
    """Every sequence of up to `longest` symbols, and every subsequence of their order."""
    seen = set()
    for n in range(longest + 1):
        seen.update(itertools.product(symbols, repeat=n))
    for mask in range(1 << len(symbols)):
        seen.add(tuple(s for i, s in enumerate(symbols) if mask >> i & 1))
    return sorted(seen)


def zeep_form_documents():
    """(label, document) pairs around the content models the zeep rewrites touch."""
    ll = NS_LL
    xml = lambda items: "".join(f"<{n}>{v}</{n}>" for n, v in items)  # noqa: E731
    for items in sequences(NAAM, 3):
        for who in ("leerling", "leerkracht"):
            person = (f'<leerlingen><leerling key="L1">{xml(items)}</leerling></leerlingen>' if who == "leerling"
                      else f'<leerlingen><leerling key="L1"><roepnaam>R</roepnaam></leerling></leerlingen>'
                      f'<leerkrachten><leerkracht key="T1">{xml(items)}</leerkracht></leerkrachten>')
            yield (f"{who} {[n for n, _ in items]}",
                   f'<leerlinggegevens_antwoord xmlns="{ll}"><leerlinggegevens><school><schooljaar>2024-2025'
                   f'</schooljaar><brincode>99DE</brincode></school>{person}</leerlinggegevens>'
                   f'</leerlinggegevens_antwoord>')
    for items in sequences(SCHOOL_ID, 3):
        yield (f"school {[n for n, _ in items]}",
               f'<structuur_antwoord xmlns="{ll}"><leerlinggegevens-structuur><school><schooljaar>2024-2025'
               f'</schooljaar>{xml(items)}</school></leerlinggegevens-structuur></structuur_antwoord>')
    for answer in ANSWERS:
        for items in sequences(["geengegevens", "geenwijzigingen"], 2):
            yield (f"{answer} {list(items)}",
                   f'<{answer} xmlns="{ll}">' + "".join(f"<{n}/>" for n in items) + f"</{answer}>")


def check_zeep_forms(report: Report) -> None:
    subject = "schemas/uwlr-2.3/uwlr-leerlinggegevens-2.3.xsd"
    path = OUR_DIR / OUR_XSD[NS_LL]
    text = path.read_text(encoding="utf-8")
    plain_text, rewrites = CHOICE_OF_ONE.subn(r"\1", text)
    try:
        ours = xmlschema.XMLSchema10(str(path))
        plain = xmlschema.XMLSchema10(plain_text, base_url=str(OUR_DIR))
    except Exception as exc:  # noqa: BLE001
        report.fail(subject, "zeep forms", f"schema does not load: {exc}")
        return
    if rewrites == 0:
        report.fail(subject, "zeep forms", "no choice of one found: the zeep rewrites are gone")
        return
    differ, total, valid = [], 0, 0
    for label, doc in zeep_form_documents():
        total += 1
        a, b = ours.is_valid(doc), plain.is_valid(doc)
        valid += a
        if a != b:
            differ.append(f"{label}: ours {'accepts' if a else 'rejects'}, plain form {'accepts' if b else 'rejects'}")
    if differ:
        report.fail(subject, "zeep forms", f"{len(differ)} of {total} documents differ: " + "; ".join(differ[:5]))
    else:
        report.ok(subject, "zeep forms",
                  f"{rewrites} choices of one; same verdict as the plain form on {total} documents, {valid} valid")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Validate UWLR messages against our 2.3 and the public 2.2 schemas.")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="directory holding v2p2/ (default: %(default)s)")
    parser.add_argument("paths", nargs="+", type=Path,
                        help="XML message files or directories (searched for *.xml)")
    args = parser.parse_args(argv)

    shared: Path = args.shared
    if not (shared / "v2p2").is_dir():
        parser.error(f"--shared {shared}: no v2p2/ directory there")
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        parser.error(f"no such file or directory: {', '.join(missing)}")

    report = Report()
    cache = SchemaCache()
    check_wsdls(shared, cache, report)
    check_zeep_forms(report)

    files = collect_files(args.paths)
    checked = 0
    for path, skip in files:
        if skip:
            report.skip(str(path), "under invalid/: codec-level fixture")
            continue
        checked += 1
        check_message(path, str(path), shared, cache, report)
    if checked == 0:
        # Checking nothing must not look like success.
        report.fail(" ".join(map(str, args.paths)), "messages",
                    "no XML message files to check (none found, or all under invalid/)")

    if report.skipped:
        print(f"{report.skipped} file(s) skipped")
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
