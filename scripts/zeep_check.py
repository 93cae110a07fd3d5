#!/usr/bin/env python3
"""An independent SOAP client against a running UWLR endpoint: Python zeep.

Why: our server is only as interoperable as a client we did not write says it is.
zeep loads the WSDL from the server's ?wsdl (with every ?xsd= import), builds the
requests from it, and sends them with the autorisatie header. Answers are validated
raw with xmlschema against our 2.3 XSDs and the public 2.2 XSDs, so a zeep binding
limitation cannot hide (or fake) a schema problem; and zeep's typed answer is
compared with the data, shape by shape.

Checks:
  1. the WSDL loads, both services and all five operations are there;
  2. HaalLeerlinggegevens with the header (the mock's own school): a valid answer (ours
     and 2.2) that zeep binds, with --pupils pupils;
  3. every case of --cases (scripts/interop_cases.py: each answer file the mock serves
     by gegevenssetid, `uwlr mock-las --answer`): the raw answer is valid, and zeep's
     typed answer holds exactly the file's data (or the file's fault comes back);
  4. BrengLeerresultaten for a pupil from the answer of 2: a valid leerresultaten_bevestiging;
  5. the same request with a wrong key: the fault Client.AutorisatieOngeldig.

What zeep 4.3 still cannot do with our WSDL (docs/uwlr-2.3-differences.md, "SOAP
toolkits"): it binds every empty element to None, the same as an absent one, so a
geengegevens and a geenwijzigingen answer both bind to None; which one came is only in
the raw answer (raw_response=True, or zeep.plugins.HistoryPlugin), which this script
reads for those two. With the public 2.2 WSDL zeep fails on far more (a group in a
choice, choices whose branch starts with a required element: every answer fixture but
structuur_antwoord). The script caps its own time and memory, so that a zeep that hangs
or balloons on some schema still gives CI an answer.

Usage:
  python3 scripts/zeep_check.py --url http://127.0.0.1:8080/uwlr/leerlinggegevens \
      --results-url http://127.0.0.1:8080/uwlr/leerresultaten --key KEY \
      --klantcode BOOM --klantnaam "Boom testcentrum" --brin 99DE --schooljaar 2025-2026 \
      --pupils 200 --cases target/interop/cases.json
Ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import re
import resource
import signal
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema
import zeep
from zeep.exceptions import Fault
from zeep.helpers import serialize_object
from zeep.plugins import HistoryPlugin
from zeep.transports import Transport

sys.path.insert(0, str(Path(__file__).resolve().parent))
from interop_cases import compare, leaves_of, local, norm_value  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OURS = REPO / "schemas" / "uwlr-2.3"
NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_LL = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens"
NS_LR = "http://www.edustandaard.nl/leerresultaten/2/leerresultaten"
NS_AU = "http://www.edustandaard.nl/leerresultaten/2/autorisatie"

results: list[tuple[bool, str]] = []


def check(ok: bool, what: str, why: str = "") -> bool:
    results.append((ok, what))
    print(f"{'PASS' if ok else 'FAIL'}  {what}{(': ' + why) if why else ''}", flush=True)
    return ok


def schemas(shared: Path) -> dict[str, list[tuple[str, xmlschema.XMLSchema]]]:
    return {
        NS_LL: [
            ("2.3", xmlschema.XMLSchema(str(OURS / "uwlr-leerlinggegevens-2.3.xsd"))),
            ("2.2", xmlschema.XMLSchema(str(shared / "v2p2/Schemas/UWLR_Leerlinggegevens_v2p2.xsd"))),
        ],
        NS_LR: [
            ("2.3", xmlschema.XMLSchema(str(OURS / "uwlr-leerresultaten-2.3.xsd"))),
            ("2.2", xmlschema.XMLSchema(str(shared / "v2p2/Schemas/UWLR_Leerresultaten_v2p2.xsd"))),
        ],
    }


def body_element(raw: bytes) -> ET.Element:
    root = ET.fromstring(raw)
    body = root.find(f"{{{NS_SOAP}}}Body")
    if body is None or len(body) == 0:
        raise ValueError("no SOAP Body content")
    return body[0]


def validate(raw: bytes, what: str, sets, v23only: bool = False) -> ET.Element | None:
    try:
        el = body_element(raw)
    except Exception as e:  # noqa: BLE001 - report, don't crash
        check(False, what, f"answer is not a SOAP envelope: {e}")
        return None
    ns = el.tag[1:].split("}")[0]
    for version, schema in sets.get(ns, []):
        if version == "2.2" and v23only:
            continue  # a file that uses what only 2.3 can say
        errors = list(schema.iter_errors(el))
        if version == "2.2" and errors and all(is_23_difference(e) for e in errors):
            # 2.3 allows what 2.2 cannot say (docs/uwlr-2.3-differences.md): a school
            # year after the 2.2 list's last one, a pupil known only by ECK iD.
            check(True, f"{what} validates against the {version} XSD but for 2.3 differences",
                  f"{len(errors)} expected: {sorted({e.path.rsplit('}', 1)[-1] for e in errors})}")
            continue
        check(not errors, f"{what} validates against the {version} XSD", str(errors[0])[:300] if errors else "")
    return el


def is_23_difference(e) -> bool:
    path = e.path or ""
    reason = str(e.reason or "")
    if path.endswith("schooljaar") and "value must be one of" in reason:
        return True
    return path.endswith("}leerling") and "key" in reason


SUFFIX = re.compile(r"__\d+$")  # zeep's name for a second element of the same name (roepnaam__1)


def zeep_leaves(value) -> list[list[str]]:
    """zeep's typed answer in the client-neutral leaf form of interop_cases."""
    out: list[list[str]] = []

    def scalar(v) -> str:
        if isinstance(v, (dt.datetime, dt.date)):
            return norm_value(v.isoformat())
        if isinstance(v, decimal.Decimal):
            return format(v, "f")
        return norm_value(str(v))

    def element(v, path: str) -> None:
        if v is None:
            return  # absent, or an empty element: zeep cannot tell them apart
        if isinstance(v, dict):
            children(v, path + "/")
        else:
            out.append([path, scalar(v)])

    def children(d: dict, prefix: str) -> None:
        counts: dict[str, int] = {}

        def add(name: str, v) -> None:
            items = v if isinstance(v, list) else [v]
            for item in items:
                if item is None:
                    continue
                i = counts.get(name, 0)
                counts[name] = i + 1
                element(item, f"{prefix}{name}[{i}]")

        for key, v in d.items():
            if key.startswith("_value_"):
                if isinstance(v, (dict, list)):
                    # A repeated choice: a list of one-key dicts, in document order.
                    for item in v if isinstance(v, list) else [v]:
                        for name, inner in item.items():
                            add(SUFFIX.sub("", name), inner)
                elif v is not None:
                    out.append([prefix.rstrip("/"), scalar(v)])  # simple content
            elif key.startswith("_"):
                out.append([prefix + key, "unparsed content"])
            else:
                add(SUFFIX.sub("", key), v)

    top = serialize_object(value)
    if isinstance(top, dict):
        children(top, "")
    elif top is not None:
        out.append(["", scalar(top)])
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="leerlinggegevens service URL (the WSDL is at URL?wsdl)")
    ap.add_argument("--results-url", required=True, help="leerresultaten service URL")
    ap.add_argument("--key", required=True)
    ap.add_argument("--klantcode", required=True)
    ap.add_argument("--klantnaam", required=True)
    ap.add_argument("--brin", required=True)
    ap.add_argument("--dependance", default="00")
    ap.add_argument("--schooljaar", required=True)
    ap.add_argument("--pupils", type=int, required=True, help="pupils the endpoint's school has")
    ap.add_argument("--cases", type=Path, help="cases JSON of scripts/interop_cases.py")
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "schemas" / "uwlr"))
    ap.add_argument("--cafile", default=None, help="CA bundle for an https endpoint")
    ap.add_argument("--seconds", type=int, default=120, help="time cap for the whole run")
    ap.add_argument("--memory-mib", type=int, default=2048, help="address-space cap")
    a = ap.parse_args()

    # zeep can hang or balloon on some schemas: cap both, so CI gets an answer.
    resource.setrlimit(resource.RLIMIT_AS, (a.memory_mib << 20, a.memory_mib << 20))
    signal.signal(signal.SIGALRM, lambda *_: (print("FAIL  time cap reached", flush=True), sys.exit(1)))
    signal.alarm(a.seconds)

    sets = schemas(Path(a.shared))
    transport = Transport(timeout=20, operation_timeout=30)
    if a.cafile:
        transport.session.verify = a.cafile
    history = HistoryPlugin()

    try:
        ll = zeep.Client(a.url + "?wsdl", transport=transport, plugins=[history])
        lr = zeep.Client(a.results_url + "?wsdl", transport=transport)
    except Exception as e:  # noqa: BLE001
        check(False, "the WSDLs load in zeep with all their imports", repr(e)[:300])
        return summary()
    ops = set()
    for client in (ll, lr):
        for service in client.wsdl.services.values():
            for port in service.ports.values():
                ops.update(port.binding._operations.keys())
    want = {"HaalLeerlinggegevens", "HaalStructuur", "HaalLeerlingen", "HaalLeerkrachten", "BrengLeerresultaten"}
    check(want <= ops, "the WSDLs name all five operations", f"found {sorted(ops)}")

    header_el = ll.get_element(f"{{{NS_AU}}}autorisatie")

    def header(key: str):
        return header_el(autorisatiesleutel=key, klantcode=a.klantcode, klantnaam=a.klantnaam)

    service = ll.bind("LeerlinggegevensService", "prtLeerlinggegevensService")
    request = dict(schooljaar=a.schooljaar, brincode=a.brin, dependancecode=a.dependance, xsdversie="2.3")
    with ll.settings(raw_response=True):
        resp = service.HaalLeerlinggegevens(_soapheaders=[header(a.key)], **request)
    check(resp.status_code == 200, "HaalLeerlinggegevens answers 200", f"status {resp.status_code}")
    el = validate(resp.content, "the leerlinggegevens answer", sets)
    pupil = None
    if el is not None:
        first = el.find(f".//{{{NS_LL}}}leerling")
        if first is not None:
            pupil = (first.get("key"), first.get("eckid"))
        check(pupil is not None, "the answer holds pupils")

    if pupil:
        key, eckid = pupil
        afname = {"resultaten": {"resultaat": [{
            "key": f"zeep-{key or 'x'}-1", "afnamedatum": dt.date(2026, 1, 20), "toetscode": "ZEEP-T1", "score": 17,
        }]}}
        if key:
            afname["leerlingid"] = key
        if eckid:
            afname["eckid"] = eckid
        results_service = lr.bind("LeerresultatenService", "prtLeerresultatenService")
        verzoek = dict(
            school={"schooljaar": a.schooljaar, "brincode": a.brin, "dependancecode": a.dependance,
                    "aanmaakdatum": dt.datetime(2026, 2, 1, 3, 0, 0), "xsdversie": "2.3"},
            toetsafnames={"toetsafname": [afname]},
            toetsen={"toets": [{"toetscode": {"_value_1": "ZEEP-T1"}, "toetsnaam": "zeep"}]},
        )
        with lr.settings(raw_response=True):
            resp = results_service.BrengLeerresultaten(_soapheaders=[header(a.key)], **verzoek)
        check(resp.status_code == 200, "BrengLeerresultaten answers 200",
              f"status {resp.status_code}: {resp.content[:300]!r}")
        validate(resp.content, "the leerresultaten answer", sets)

    try:
        service.HaalLeerlinggegevens(_soapheaders=[header(a.key + "-wrong")], **request)
        check(False, "a wrong key is refused", "no fault came back")
    except Fault as f:
        code = (f.code or "").rsplit(":", 1)[-1]
        check(code == "Client.AutorisatieOngeldig", "a wrong key is refused with Client.AutorisatieOngeldig", f.code)

    # The mock's own school, bound: as many pupils as it has, and the typed answer holds
    # exactly what came over the wire.
    try:
        bound = service.HaalLeerlinggegevens(_soapheaders=[header(a.key)], **request)
        data = bound.leerlinggegevens
        pupils = len(data.leerlingen.leerling) if data else 0
        teachers = len(data.leerkrachten.leerkracht) if data and data.leerkrachten else 0
        check(pupils == a.pupils, "zeep binds the answer to Python objects",
              f"{pupils} pupils (the mock has {a.pupils}), {teachers} teachers")
        wire = body_element(etree_bytes(history.last_received["envelope"]))
        diff = compare(leaves_of(wire), zeep_leaves(bound))
        check(not diff, "zeep's typed answer holds what came over the wire", diff)
    except Exception as e:  # noqa: BLE001
        check(False, "zeep binds the answer to Python objects", repr(e)[:200])

    if a.cases:
        for case in json.loads(a.cases.read_text(encoding="utf-8")):
            run_case(ll, case, header(a.key), request, sets, history)
    return summary()


def etree_bytes(envelope) -> bytes:
    from lxml import etree  # zeep's own XML library

    return etree.tostring(envelope)


def run_case(ll, case: dict, hdr, request: dict, sets, history) -> None:
    """One answer shape: the mock serves the case's file for its gegevenssetid."""
    what = f"{case['operation']} {case['name']}"
    port = ll.bind("LeerlinggegevensService", case["port"])
    args = dict(request, gegevenssetid=case["name"])
    if case["groepen"]:
        args["groepen"] = {"_value_1": [{"groep": {"key": g}} for g in case["groepen"]]}
    call = getattr(port, case["operation"])
    expect = case["expect"]
    try:
        bound = call(_soapheaders=[hdr], **args)
    except Fault as f:
        code = (f.code or "").rsplit(":", 1)[-1]
        want = expect.get("fault")
        check(want == code, f"{what}: zeep raises the fault", f"{code} (expected {want or 'an answer'})")
        return
    except Exception as e:  # noqa: BLE001
        check(False, f"{what}: zeep binds the answer", repr(e)[:300])
        return
    if "fault" in expect:
        check(False, f"{what}: zeep raises the fault", f"no fault, expected {expect['fault']}")
        return
    raw = etree_bytes(history.last_received["envelope"])
    el = validate(raw, f"{what}: the answer", sets, v23only=case["v23only"])
    if el is None:
        return
    # zeep binds an empty element to None, as if absent: geengegevens and geenwijzigingen
    # both bind to None, so which one came is read from the raw answer.
    expected = [leaf for leaf in expect["leaves"] if leaf[1] != "" or "/" in leaf[0]]
    empties = [leaf[0] for leaf in expect["leaves"] if leaf[1] == "" and "/" not in leaf[0]]
    got = zeep_leaves(bound)
    diff = compare(expected, got)
    check(not diff, f"{what}: zeep's typed answer holds the file's data", diff or f"{len(got)} values")
    if empties:
        raw_names = [f"{local(c.tag)}[0]" for c in el]
        check(bound is None and raw_names == empties,
              f"{what}: bound to None (zeep limitation), the raw answer says {empties[0].split('[')[0]}",
              f"typed {bound!r}, raw {raw_names}")


def summary() -> int:
    passed = sum(1 for ok, _ in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
