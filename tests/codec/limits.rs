//! Untrusted-input discipline: every limit stops the read with a clear error, and nothing
//! panics on hostile shapes.

use uwlr::{DecodeOptions, Limits};

const NS: &str = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens";

fn errors(input: &[u8], opts: &DecodeOptions) -> String {
    let e = uwlr::decode(input, opts).expect_err("must be refused");
    // Limits stop the read, so theirs is the last error; earlier ones may precede it.
    let all: Vec<String> = e.errors().map(|d| d.to_string()).collect();
    all.join("\n")
}

fn with(limits: Limits) -> DecodeOptions {
    DecodeOptions { limits, ..DecodeOptions::strict() }
}

#[test]
fn nesting_depth_is_bounded() {
    let deep = format!(
        "<leerlinggegevens_verzoek xmlns=\"{NS}\">{}{}</leerlinggegevens_verzoek>",
        "<a>".repeat(100),
        "</a>".repeat(100)
    );
    let msg = errors(deep.as_bytes(), &DecodeOptions::strict());
    assert!(msg.contains("nested deeper than 24"), "{msg}");
}

#[test]
fn total_size_is_bounded() {
    let opts = with(Limits { max_bytes: 100, ..Limits::default() });
    let msg = errors(&[b' '; 101], &opts);
    assert!(msg.contains("101 bytes; the limit is 100"), "{msg}");
}

#[test]
fn element_count_is_bounded() {
    let many = format!("<leerlinggegevens_verzoek xmlns=\"{NS}\">{}</leerlinggegevens_verzoek>", "<x/>".repeat(50));
    let msg = errors(many.as_bytes(), &with(Limits { max_elements: 10, ..Limits::default() }));
    assert!(msg.contains("more than 10 elements"), "{msg}");
}

#[test]
fn text_length_is_bounded() {
    let long = format!(
        "<leerlinggegevens_verzoek xmlns=\"{NS}\"><schooljaar>{}</schooljaar></leerlinggegevens_verzoek>",
        "9".repeat(500)
    );
    let msg = errors(long.as_bytes(), &with(Limits { max_text_len: 100, ..Limits::default() }));
    assert!(msg.contains("text longer than 100 characters"), "{msg}");
}

#[test]
fn attribute_count_is_bounded() {
    let attrs: String = (0..40).map(|i| format!(" a{i}=\"x\"")).collect();
    let input = format!("<leerlinggegevens_verzoek xmlns=\"{NS}\"{attrs}/>");
    let msg = errors(input.as_bytes(), &DecodeOptions::strict());
    assert!(msg.contains("more than 32 attributes"), "{msg}");
}

#[test]
fn hostile_shapes_get_an_answer_not_a_panic() {
    let cases: &[&[u8]] = &[
        b"",
        b"<",
        b"\xff\xfe<a/>",
        b"<?xml version=\"1.0\"?>",
        b"<a:b xmlns:a=\"\"/>",
        b"<x:leerlinggegevens_verzoek/>",
        b"<leerlinggegevens_verzoek xmlns=\"http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens\"><schooljaar>&#0;</schooljaar></leerlinggegevens_verzoek>",
        b"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/></soap:Envelope>",
        b"<a></b>",
        b"<a/><b/>",
    ];
    for c in cases {
        for opts in [DecodeOptions::strict(), DecodeOptions::lenient()] {
            let e = uwlr::decode(c, &opts).expect_err(&String::from_utf8_lossy(c));
            assert!(e.errors().count() > 0);
        }
    }
}

#[test]
fn attribute_length_is_bounded_on_every_element() {
    // On a skipped element too, and on a namespace declaration.
    for attr in ["v", "xmlns:p"] {
        let input = format!(
            "<leerlinggegevens_verzoek xmlns=\"{NS}\"><x {attr}=\"{}\"/></leerlinggegevens_verzoek>",
            "a".repeat(501)
        );
        let msg = errors(input.as_bytes(), &with(Limits { max_attribute_len: 500, ..Limits::default() }));
        assert!(msg.contains(&format!("attribute '{attr}' is longer than 500 characters")), "{msg}");
    }
}

/// At most 100 findings are kept, then one "and N more": a fault, a `validate` run and a
/// lenient client's warnings stay bounded whatever the input holds.
#[test]
fn diagnostics_are_capped_with_a_count_of_the_rest() {
    let cap = uwlr::xml::diag::MAX_DIAGNOSTICS;
    let input = format!(
        "<leerlinggegevens_verzoek xmlns=\"{NS}\"><schooljaar>2025-2026</schooljaar><brincode>99DE</brincode>{}\
         <xsdversie>2.3</xsdversie></leerlinggegevens_verzoek>",
        "<x/>".repeat(5000)
    );
    let e = uwlr::decode(input.as_bytes(), &DecodeOptions::strict()).expect_err("refused");
    assert_eq!(e.diagnostics.len(), cap + 1);
    let last = e.diagnostics.last().unwrap();
    assert!(last.is_error(), "the rest holds errors: {last}");
    assert_eq!(last.message, format!("and {} more findings (only the first {cap} are listed)", 5000 - cap));
    assert!(e.diagnostics[..cap].iter().all(|d| d.message.starts_with("unexpected element <x>")));
    // Lenient: the same elements are warnings, the message is taken, the warnings capped.
    let d = uwlr::decode(input.as_bytes(), &DecodeOptions::lenient()).expect("lenient takes it");
    assert_eq!(d.warnings.len(), cap + 1);
    assert!(!d.warnings.last().unwrap().is_error());
    // A name of a megabyte is quoted by its start only.
    let name = "n".repeat(1 << 20);
    let input = format!("<leerlinggegevens_verzoek xmlns=\"{NS}\"><{name}/><{name}/></leerlinggegevens_verzoek>");
    let e = uwlr::decode(input.as_bytes(), &DecodeOptions::strict()).expect_err("refused");
    assert!(e.diagnostics.iter().all(|d| d.to_string().len() < 2000), "{}", e.diagnostics[0].to_string().len());
}
