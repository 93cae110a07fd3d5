#!/usr/bin/env python3
"""Writes fixtures/hostile/: requests built to break the server (cut off, nested too deep,
too wide, oversized names, keys and attributes, entities, wrong encodings, SOAP 1.2, headers
that must be understood, broken headers) and MANIFEST, one line per request: the file and
what it must get (a fault code's local part, or OK for an answer).

Deterministic: the same script writes the same bytes. tests/transport/hostile.rs sends every
request to a running server (tests/support/transport_support.rs's TestLas, whose key, klant and
school the valid request below uses) and checks each answer.

    python3 scripts/make_hostile.py            # rewrites fixtures/hostile/
"""

import os
import random
import shutil

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "hostile")

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
AUT = "http://www.edustandaard.nl/leerresultaten/2/autorisatie"
LL = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens"
KEY = "sleutel-GEHEIM-7f3a9c21"
KLANTCODE = "TP01"
KLANTNAAM = "Toetsplatform Test"

BAD = "Client.OngeldigBericht"
AUTH = "Client.AutorisatieOngeldig"
KLANT = "Client.OngeldigeKlantIdentificatie"
XSD = "Client.XsdVersieOngeldig"
OK = "OK"


def header(key=KEY, code=KLANTCODE, naam=KLANTNAAM, extra="", aut_ns=AUT):
    parts = ""
    if key is not None:
        parts += f"<aut:autorisatiesleutel>{key}</aut:autorisatiesleutel>"
    if code is not None:
        parts += f"<aut:klantcode>{code}</aut:klantcode>"
    if naam is not None:
        parts += f"<aut:klantnaam>{naam}</aut:klantnaam>"
    return f'{extra}<aut:autorisatie xmlns:aut="{aut_ns}">{parts}</aut:autorisatie>'


def verzoek(schooljaar="2025-2026", brin="99DE", dep="00", xsd="2.3", inner=""):
    return (
        f'<lg:leerlinggegevens_verzoek xmlns:lg="{LL}">'
        f"<lg:schooljaar>{schooljaar}</lg:schooljaar><lg:brincode>{brin}</lg:brincode>"
        f"<lg:dependancecode>{dep}</lg:dependancecode>{inner}<lg:xsdversie>{xsd}</lg:xsdversie>"
        f"</lg:leerlinggegevens_verzoek>"
    )


def envelope(head=None, body=None, ns=SOAP11, decl='<?xml version="1.0" encoding="UTF-8"?>\n', sep="\n"):
    head = header() if head is None else head
    body = verzoek() if body is None else body
    h = "" if head == "" else f"<soap:Header>{head}</soap:Header>{sep}"
    return f'{decl}<soap:Envelope xmlns:soap="{ns}">{sep}{h}<soap:Body>{body}</soap:Body>{sep}</soap:Envelope>\n'


VALID = envelope()


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    cases = []

    def add(name, data, expected):
        if isinstance(data, str):
            data = data.encode("utf-8")
        fname = f"{len(cases) + 1:03d}_{name}.xml"
        with open(os.path.join(OUT, fname), "wb") as f:
            f.write(data)
        cases.append((fname, expected))

    rng = random.Random(13)
    valid = VALID.encode()

    # Controls: the valid request, and harmless variations of it, must be answered.
    add("valid", VALID, OK)
    add("valid_no_declaration", envelope(decl=""), OK)
    add("valid_one_line", envelope(sep=""), OK)
    add("valid_bom", b"\xef\xbb\xbf" + valid, OK)
    add("valid_comments_and_pi", VALID.replace("<soap:Body>", "<!-- c --><?pi x?><soap:Body>"), OK)
    add("valid_cdata_key", envelope(head=header(key=f"<![CDATA[{KEY}]]>")), OK)
    add("header_block_mustunderstand_0", envelope(head=header(extra='<x:trace xmlns:x="urn:x" soap:mustUnderstand="0"/>')), OK)
    add(
        "header_block_mustunderstand_other_actor",
        envelope(head=header(extra='<x:trace xmlns:x="urn:x" soap:mustUnderstand="1" soap:actor="urn:someone-else"/>')),
        OK,
    )
    add("header_block_foreign_ignored", envelope(head=header(extra='<x:trace xmlns:x="urn:x"><x:id>1</x:id></x:trace>')), OK)

    # Cut off anywhere: not well-formed, whatever part breaks (header, body, declaration).
    end = valid.rindex(b">")
    cuts = sorted(set([1, 2, 5, 10, 21, 38, 39, 40] + [rng.randrange(1, end) for _ in range(80)]))
    for at in cuts:
        add(f"cut_at_{at}", valid[:at], BAD)
    head_from = valid.index(b"<soap:Header>")
    head_to = valid.index(b"</soap:Header>")
    for at in range(head_from + 1, head_to + 14, 37):
        add(f"cut_in_header_{at}", valid[:at], BAD)

    # Mismatched and unclosed tags, for every element of the request.
    for name in ["soap:Header", "aut:autorisatie", "aut:autorisatiesleutel", "aut:klantcode", "aut:klantnaam",
                 "soap:Body", "lg:leerlinggegevens_verzoek", "lg:schooljaar", "lg:brincode", "lg:xsdversie"]:
        tag = name.split(":")[1]
        add(f"mismatched_end_{tag}", VALID.replace(f"</{name}>", f"</{name}x>", 1), BAD)
        add(f"unclosed_{tag}", VALID.replace(f"</{name}>", "", 1), BAD)
        add(f"unopened_{tag}", VALID.replace(f"<{name}", f"<{name}_", 1).replace(f"<{name}_", "<!-- -->", 1), BAD)

    # Nested too deep: a foreign header block, the autorisatie header, the body.
    for depth in [25, 100, 1000, 20000]:
        deep = "<x:d>" * depth + "</x:d>" * depth
        add(f"deep_header_block_{depth}", envelope(head=header(extra=f'<x:h xmlns:x="urn:x">{deep}</x:h>')), BAD)
        add(f"deep_in_body_{depth}", envelope(body=verzoek(inner=f'<x:h xmlns:x="urn:x">{deep}</x:h>')), BAD)
    add("deep_in_key", envelope(head=header(key="<a>" * 40 + "k" + "</a>" * 40)), BAD)
    add("deep_unclosed_header", envelope(head=header(extra="<x:d xmlns:x='urn:x'>" + "<x:d>" * 5000)), BAD)

    # Wide: many siblings (each one a finding), on one line and on many lines.
    for n in [1000, 10000, 80000]:
        add(f"wide_siblings_{n}_one_line", envelope(body=verzoek(inner="<x/>" * n)), BAD)
        add(f"wide_siblings_{n}_lines", envelope(body=verzoek(inner="<x/>\n" * n)), BAD)
    add("wide_text_between_children", envelope(body=verzoek(inner="t<lg:gegevenssetid>x</lg:gegevenssetid>" * 1)), BAD)
    add("wide_stray_text_80000", envelope(body=verzoek(inner="t<y/>" * 80000)), BAD)
    add("wide_header_blocks_10000", envelope(head=header(extra='<x:t xmlns:x="urn:x"/>' * 10000)), OK)

    # Oversized names, keys, values and attributes: the fault stays small.
    for size in [1000, 30000, 100000]:
        name = "n" * size
        add(f"long_element_name_{size}", envelope(body=verzoek(inner=f"<{name}/>")), BAD)
        add(f"long_element_name_with_children_{size}", envelope(body=verzoek(inner=f"<{name}>" + "t<a/>" * 2000 + f"</{name}>")), BAD)
        add(f"long_header_block_name_{size}", envelope(head=header(extra=f'<{name} xmlns="urn:x"/>')), OK)
    add("long_body_element_name", envelope(body="<" + "b" * 100000 + "/>"), BAD)
    for size in [65, 1000, 64 * 1024, 70000]:
        code = AUTH if size <= 64 * 1024 else BAD
        add(f"long_key_{size}", envelope(head=header(key="k" * size)), code)
        add(f"long_klantnaam_{size}", envelope(head=header(naam="n" * size)), AUTH if code == AUTH else BAD)
        add(f"long_schooljaar_{size}", envelope(body=verzoek(schooljaar="2" * size)), BAD)
    for size in [4096, 4097, 20000, 200000]:
        code = OK if size <= 4096 else BAD
        add(f"long_attribute_header_block_{size}", envelope(head=header(extra=f'<x:t xmlns:x="urn:x" v="{"a" * size}"/>')), code)
        add(f"long_attribute_body_{size}", envelope(body=verzoek(inner=f'<x a="{"a" * size}"/>')), BAD)
    add("long_namespace_uri", envelope(head=header(extra=f'<x:t xmlns:x="urn:{"u" * 100000}"/>')), BAD)
    add("long_prefix", envelope(head=header(extra=f'<{"p" * 100000}:t xmlns:{"p" * 100000}="urn:x"/>')), OK)
    add("many_attributes_33", envelope(head=header(extra="<x:t xmlns:x='urn:x' " + " ".join(f"a{i}='1'" for i in range(33)) + "/>")), BAD)
    add("many_attributes_on_verzoek", envelope(body=verzoek().replace("<lg:schooljaar>", "<lg:schooljaar " + " ".join(f"a{i}='1'" for i in range(40)) + ">", 1)), BAD)
    add("duplicate_attribute_header", envelope(head=header(extra="<x:t xmlns:x='urn:x' a='1' a='2'/>")), BAD)
    add("duplicate_attribute_body", envelope(body=verzoek().replace("<lg:brincode>", "<lg:brincode a='1' a='2'>", 1)), BAD)

    # DTDs and entities: never read.
    doctype = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
    add("billion_laughs", VALID.replace("<soap:Envelope", doctype + "<soap:Envelope", 1).replace(KEY, "&lol2;"), BAD)
    add("external_entity", VALID.replace("<soap:Envelope", '<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<soap:Envelope', 1).replace(KEY, "&x;"), BAD)
    add("doctype_only", VALID.replace("<soap:Envelope", "<!DOCTYPE soap:Envelope>\n<soap:Envelope", 1), BAD)
    for where, text in [("key", KEY), ("klantnaam", KLANTNAAM), ("brincode", "99DE"), ("schooljaar", "2025-2026")]:
        add(f"undefined_entity_in_{where}", VALID.replace(f">{text}<", f">{text}&nope;<", 1), BAD)
        add(f"bad_char_ref_in_{where}", VALID.replace(f">{text}<", f">{text}&#0;<", 1), BAD)
        add(f"huge_char_ref_in_{where}", VALID.replace(f">{text}<", f">{text}&#99999999999;<", 1), BAD)
    add("undeclared_prefix_header_block", envelope(head=header(extra="<u:t/>")), BAD)
    add("undeclared_prefix_in_key", envelope(head=header(key="<u:k>x</u:k>")), BAD)
    add("undeclared_prefix_body", envelope(body=verzoek(inner="<u:t/>")), BAD)

    # Encodings and bytes that are not UTF-8.
    add("latin1_declared", VALID.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), BAD)
    add("utf16_declared", VALID.replace('encoding="UTF-8"', 'encoding="UTF-16"'), BAD)
    add("utf16_bytes", b"\xff\xfe" + VALID.encode("utf-16-le"), BAD)
    for i, at in enumerate(sorted(rng.randrange(60, end) for _ in range(10))):
        add(f"invalid_utf8_{i}", valid[:at] + b"\xc3\x28" + valid[at:], BAD)
    add("invalid_utf8_in_key", VALID.replace(KEY, "k\udcff" if False else KEY).encode().replace(KEY.encode(), b"k\xff\xfe"), BAD)
    add("nul_bytes", valid.replace(b"<soap:Body>", b"\x00\x00<soap:Body>"), BAD)
    add("control_char_in_key", VALID.replace(KEY, KEY + "\x01"), BAD)
    add("empty", b"", BAD)
    add("whitespace_only", b"   \n\t  ", BAD)
    add("binary_noise", bytes(rng.randrange(256) for _ in range(4096)), BAD)
    add("json", b'{"autorisatiesleutel": "x"}', BAD)

    # SOAP versions: a SOAP 1.2 envelope (or none) gets SOAP 1.1's VersionMismatch, once
    # it is known to be well-formed.
    add("soap12_envelope", envelope(ns=SOAP12), "VersionMismatch")
    add("soap12_envelope_no_header", envelope(head="", ns=SOAP12), "VersionMismatch")
    add("envelope_no_namespace", VALID.replace(f' xmlns:soap="{SOAP11}"', "").replace("soap:", ""), "VersionMismatch")
    add("envelope_other_namespace", envelope(ns="urn:not-soap"), "VersionMismatch")
    add("soap12_envelope_cut_off", envelope(ns=SOAP12)[:200], BAD)
    add("soap12_envelope_deep", envelope(ns=SOAP12, head=header(extra="<x:d xmlns:x='urn:x'>" + "<x:d>" * 100 + "</x:d>" * 101)), BAD)
    add("soap12_envelope_entity", envelope(ns=SOAP12).replace(KEY, "&nope;"), BAD)

    # Header blocks that must be understood.
    for i, v in enumerate(["1", "true", " 1 "]):
        add(f"must_understand_{i}", envelope(head=header(extra=f'<x:sec xmlns:x="urn:x" soap:mustUnderstand="{v}"/>')), "MustUnderstand")
    add("must_understand_after_autorisatie", envelope(head=header() + '<w:Security xmlns:w="urn:wsse" soap:mustUnderstand="1"><w:t>x</w:t></w:Security>'), "MustUnderstand")
    add("must_understand_next_actor", envelope(head=header(extra=f'<x:sec xmlns:x="urn:x" soap:mustUnderstand="1" soap:actor="{SOAP11[:-9]}actor/next"/>')), "MustUnderstand")
    add("must_understand_and_wrong_key", envelope(head=header(key="wrong", extra='<x:sec xmlns:x="urn:x" soap:mustUnderstand="1"/>')), "MustUnderstand")
    add("must_understand_and_no_autorisatie", envelope(head='<x:sec xmlns:x="urn:x" soap:mustUnderstand="1"/>'), "MustUnderstand")
    add("must_understand_cut_off", envelope(head=header(extra='<x:sec xmlns:x="urn:x" soap:mustUnderstand="1">'))[:-40], BAD)

    # Well-formed, but the header is wrong: the header's own fault.
    add("no_header", envelope(head=""), AUTH)
    add("empty_header", envelope(head=" "), AUTH)
    add("no_key", envelope(head=header(key=None)), AUTH)
    add("no_klantcode", envelope(head=header(code=None)), AUTH)
    add("no_klantnaam", envelope(head=header(naam=None)), AUTH)
    add("empty_key", envelope(head=header(key="")), AUTH)
    add("wrong_key", envelope(head=header(key="sleutel-FOUT")), AUTH)
    add("wrong_key_one_char", envelope(head=header(key=KEY[:-1] + "2")), AUTH)
    add("autorisatie_wrong_namespace", envelope(head=header(aut_ns="urn:wrong")), AUTH)
    add("two_autorisatie", envelope(head=header() + header()), AUTH)
    add("wrong_klantcode", envelope(head=header(code="XX99")), KLANT)
    add("wrong_klantnaam", envelope(head=header(naam="Iemand")), KLANT)
    add("key_for_other_school", envelope(body=verzoek(brin="99ZZ")), AUTH)

    # Well-formed, but the body is wrong.
    add("no_body", VALID.replace("<soap:Body>" + verzoek() + "</soap:Body>", ""), BAD)
    add("empty_body", envelope(body=""), BAD)
    add("two_messages", envelope(body=verzoek() + verzoek()), BAD)
    add("unknown_message", envelope(body='<x:haal xmlns:x="urn:x"/>'), BAD)
    add("answer_as_request", envelope(body=f'<lg:leerlinggegevens_antwoord xmlns:lg="{LL}"/>'), BAD)
    add("text_in_body", envelope(body="hallo" + verzoek()), BAD)
    add("bare_verzoek", f'<?xml version="1.0"?>{verzoek()}', BAD)
    add("bad_brincode", envelope(body=verzoek(brin="9DE")), BAD)
    add("bad_dependancecode", envelope(body=verzoek(dep="0A")), BAD)
    add("bad_schooljaar", envelope(body=verzoek(schooljaar="2025-2027")), BAD)
    add("bad_xsdversie", envelope(body=verzoek(xsd="9.9")), XSD)
    add("content_after_envelope", VALID + "<x/>", BAD)
    add("two_envelopes", VALID + VALID.split("\n", 1)[1], BAD)
    add("content_before_envelope", "text" + VALID, BAD)
    add("header_after_body", VALID.replace("<soap:Header>" + header() + "</soap:Header>\n", "").replace("</soap:Envelope>", "<soap:Header>" + header() + "</soap:Header></soap:Envelope>"), AUTH)

    with open(os.path.join(OUT, "MANIFEST"), "w") as f:
        f.write("# file\texpected answer (fault code local part, or OK); written by scripts/make_hostile.py\n")
        for fname, expected in cases:
            f.write(f"{fname}\t{expected}\n")
    total = sum(os.path.getsize(os.path.join(OUT, c[0])) for c in cases)
    print(f"{len(cases)} requests ({total} bytes) in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
