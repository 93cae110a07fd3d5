//! One encode of a generated leerlinggegevens answer, by our writer or by quick-xml's
//! `Writer` replaying the same events, for instruction counts that a loaded machine does not
//! skew (docs/benchmarks.md):
//! `cargo build --profile bench --example encode_count`, then
//! `valgrind --tool=callgrind --toggle-collect="encode_count::run_*" target/release/examples/encode_count uwlr 1000`
//! (`quickxml` in place of `uwlr` for the other side).
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use quick_xml::writer::Writer;
use std::hint::black_box;
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::{Body, EncodeOptions};

const COMPACT: EncodeOptions = EncodeOptions { envelope: false, indent: false, declaration: true };

#[inline(never)]
fn run_uwlr(b: &Body, cap: usize) -> usize {
    uwlr::encode(black_box(b), None, &COMPACT, Vec::with_capacity(cap)).expect("valid").len()
}

#[inline(never)]
fn run_quickxml(events: &[Event<'static>], cap: usize) -> usize {
    let mut w = Writer::new(Vec::with_capacity(cap));
    for ev in black_box(events) {
        w.write_event(ev.borrow()).expect("writes");
    }
    w.into_inner().len()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let side = args.next().unwrap_or_else(|| "uwlr".into());
    let pupils: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let body =
        Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(uwlr::generate::school(&uwlr::generate::SchoolSpec {
            pupils,
            ..Default::default()
        })));
    let compact = uwlr::encode_to_vec(&body, None, &COMPACT).expect("encodes");
    let cap = compact.len();
    let n = match side.as_str() {
        "uwlr" => run_uwlr(&body, cap),
        "quickxml" => {
            let mut r = Reader::from_reader(&compact[..]);
            let mut events = Vec::new();
            loop {
                match r.read_event().expect("well-formed") {
                    Event::Eof => break,
                    ev => events.push(ev.into_owned()),
                }
            }
            run_quickxml(&events, cap)
        }
        other => panic!("side is uwlr or quickxml, not {other}"),
    };
    assert_eq!(n, cap);
    println!("{side} {pupils} pupils: {n} bytes");
}
