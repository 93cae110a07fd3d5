#!/usr/bin/env python3
"""An independent SOAP client against a running UWLR endpoint: Python zeep.

Why: our server is only as interoperable as a client we did not write says it is.
zeep loads the WSDL from the server's ?wsdl (with every ?xsd= import), builds the
requests from it, and sends them with the autorisatie header. The answers are taken
raw and validated with xmlschema against our 2.3 XSDs and the public 2.2 XSDs, so a
zeep binding limitation cannot hide (or fake) a schema problem.

Checks:
  1. the WSDL loads, both services and all five operations are there;
  2. HaalLeerlinggegevens with the header: a valid answer (ours and 2.2);
  3. BrengLeerresultaten for a pupil from that answer: a valid leerresultaten_bevestiging;
  4. the same request with a wrong key: the fault Client.AutorisatieOngeldig;
  5. (information) whether zeep can also bind the answer to Python objects.

Known trap (measured): with the public 2.2 WSDL, zeep 4.3 fails to bind valid answers
and can hang on the teacher role list, so this script caps its own time and memory.

Usage:
  python3 scripts/zeep_check.py --url http://127.0.0.1:8080/uwlr/leerlinggegevens \
      --results-url http://127.0.0.1:8080/uwlr/leerresultaten --key KEY \
      --klantcode BOOM --klantnaam "Boom testcentrum" --brin 99DE --schooljaar 2025-2026
Ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import signal
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema
import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport

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


def validate(raw: bytes, what: str, sets) -> ET.Element | None:
    try:
        el = body_element(raw)
    except Exception as e:  # noqa: BLE001 - report, don't crash
        check(False, what, f"answer is not a SOAP envelope: {e}")
        return None
    ns = el.tag[1:].split("}")[0]
    for version, schema in sets.get(ns, []):
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

    try:
        ll = zeep.Client(a.url + "?wsdl", transport=transport)
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

    # With the public 2.2 WSDL zeep cannot bind answers; ours is written so that it can
    # (docs/uwlr-2.3-differences.md), which lets a Python integrator use it as is.
    try:
        bound = service.HaalLeerlinggegevens(_soapheaders=[header(a.key)], **request)
        data = bound.leerlinggegevens
        pupils = len(data.leerlingen.leerling) if data else 0
        teachers = len(data.leerkrachten.leerkracht) if data and data.leerkrachten else 0
        check(pupils > 0, "zeep binds the answer to Python objects", f"{pupils} pupils, {teachers} teachers")
    except Exception as e:  # noqa: BLE001
        check(False, "zeep binds the answer to Python objects", repr(e)[:200])
    return summary()


def summary() -> int:
    passed = sum(1 for ok, _ in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
