//! Arbitrary bytes through the server's request path: `uwlr::server::handle_with_injection`
//! (decode, the check order of UWLR.md §2, a provider, encode), as `server::http` calls it
//! for every POST body. It must never panic; every answer must be a SOAP 1.1 envelope that
//! our own strict decoder reads: HTTP 200 with a UWLR answer, or 500 with a fault whose code
//! is a UWLR code or one of SOAP's own; and a fault must stay small whatever the request held.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use uwlr::message::fault::Fault;
use uwlr::message::leerlinggegevens::{Antwoord, Leerlinggegevens, LeerlinggegevensAntwoord, Verzoek};
use uwlr::message::leerresultaten::LeerresultatenVerzoek;
use uwlr::message::values::SchoolId;
use uwlr::message::Autorisatie;
use uwlr::server::{handle_with_injection, DispatchOptions, LasProvider, Outcome};
use uwlr::{Body, DecodeOptions};

/// The key and klant of `tests/support/transport_support.rs`'s TestLas, which the hostile
/// corpus (`fixtures/hostile/`) and the seeds in `seeds_dispatch/` use.
const KEY: &str = "sleutel-GEHEIM-7f3a9c21";

struct FuzzLas {
    data: Leerlinggegevens,
}

impl LasProvider for FuzzLas {
    async fn klant(&self, klantcode: &str, klantnaam: &str) -> bool {
        klantcode == "TP01" && klantnaam == "Toetsplatform Test"
    }
    async fn autoriseer(&self, auth: &Autorisatie, _school: &SchoolId) -> bool {
        auth.autorisatiesleutel == KEY
    }
    async fn leerlinggegevens(&self, _req: &Verzoek) -> Result<LeerlinggegevensAntwoord, Fault> {
        Ok(Antwoord::Gegevens(self.data.clone()))
    }
    async fn leerresultaten(&self, _auth: &Autorisatie, _req: &LeerresultatenVerzoek) -> Result<(), Fault> {
        Ok(())
    }
}

/// Largest fault we accept as an answer: 50 findings of at most 500 characters, plus the
/// envelope.
const MAX_FAULT_BYTES: usize = 64 << 10;

fn setup() -> &'static (tokio::runtime::Runtime, FuzzLas) {
    static S: OnceLock<(tokio::runtime::Runtime, FuzzLas)> = OnceLock::new();
    S.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let data = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils: 3, seed: 7, ..Default::default() });
        (rt, FuzzLas { data })
    })
}

fuzz_target!(|data: &[u8]| {
    let (rt, las) = setup();
    let opts = DispatchOptions { decode: DecodeOptions::strict() };
    let Outcome::Respond(r) = rt.block_on(handle_with_injection(las, data, &opts)) else {
        panic!("no fault injection here, yet the connection was to be dropped");
    };
    let answer = match uwlr::decode(&r.body, &DecodeOptions::strict()) {
        Ok(d) => d,
        Err(e) => panic!(
            "our answer (HTTP {}) does not decode: {:?}\n{}",
            r.status,
            e.diagnostics,
            String::from_utf8_lossy(&r.body)
        ),
    };
    assert!(answer.enveloped, "an answer outside an envelope");
    match (&answer.body, r.status) {
        (Body::Fault(f), 500) => {
            assert!(
                f.code.is_some() || matches!(f.raw_code.as_str(), "VersionMismatch" | "MustUnderstand"),
                "fault code '{}' is neither UWLR's nor SOAP's",
                f.raw_code
            );
            assert_eq!(f.code, r.fault);
            assert!(r.body.len() <= MAX_FAULT_BYTES, "a fault of {} bytes", r.body.len());
        }
        (Body::Fault(_), s) => panic!("a fault with HTTP {s}"),
        (b, 200) => {
            let e = b.kind().element();
            assert!(e.ends_with("_antwoord") || e.ends_with("_bevestiging"), "answered with <{e}>");
        }
        (b, s) => panic!("{:?} with HTTP {s}", b.kind()),
    }
});
