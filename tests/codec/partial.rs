//! What a refused message still tells a server: enough to answer with the fault the check
//! order of UWLR.md §2 prescribes (missing header before a malformed body, and so on).

use uwlr::{DecodeOptions, Kind};

const ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const LL: &str = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens";
const AU: &str = "http://www.edustandaard.nl/leerresultaten/2/autorisatie";

fn envelope(header: &str, body: &str) -> String {
    format!("<s:Envelope xmlns:s=\"{ENV}\">{header}<s:Body>{body}</s:Body></s:Envelope>")
}

fn header(key: &str) -> String {
    format!(
        "<s:Header><autorisatie xmlns=\"{AU}\"><autorisatiesleutel>{key}</autorisatiesleutel>\
         <klantcode>C1</klantcode><klantnaam>Boom</klantnaam></autorisatie></s:Header>"
    )
}

fn verzoek(jaar: &str, versie: &str) -> String {
    format!(
        "<leerlinggegevens_verzoek xmlns=\"{LL}\"><schooljaar>{jaar}</schooljaar>\
         <brincode>99DE</brincode><xsdversie>{versie}</xsdversie></leerlinggegevens_verzoek>"
    )
}

fn refuse(xml: &str) -> uwlr::DecodeError {
    uwlr::decode(xml.as_bytes(), &DecodeOptions::strict()).expect_err(xml)
}

#[test]
fn missing_header_is_noticed_even_when_the_body_is_bad() {
    let e = refuse(&envelope("", &verzoek("2024", "2.3")));
    assert!(e.header_invalid());
    assert_eq!(e.partial.kind, Some(Kind::LeerlinggegevensVerzoek));
}

#[test]
fn an_incomplete_header_is_a_header_problem() {
    let h = format!("<s:Header><autorisatie xmlns=\"{AU}\"><klantcode>C1</klantcode></autorisatie></s:Header>");
    let e = refuse(&envelope(&h, &verzoek("2024-2025", "2.3")));
    assert!(e.header_invalid());
}

#[test]
fn a_valid_header_with_a_bad_body_keeps_the_header() {
    let e = refuse(&envelope(&header("k"), &verzoek("2024/2025", "2.3")));
    assert!(!e.header_invalid());
    assert!(!e.xsdversie_invalid());
    assert_eq!(e.partial.header.as_ref().map(|h| h.klantcode.as_str()), Some("C1"));
}

#[test]
fn an_empty_xsdversie_is_told_apart() {
    let e = refuse(&envelope(&header("k"), &verzoek("2024-2025", "")));
    assert!(e.xsdversie_invalid());
}

#[test]
fn malformed_xml_stops_reading() {
    let e = refuse(&envelope(&header("k"), "<leerlinggegevens_verzoek"));
    assert!(e.partial.stopped);
}
