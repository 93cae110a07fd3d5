//! Arbitrary bytes into `uwlr::decode`, strict and lenient. Decoding must never panic;
//! whatever decodes must re-encode, and the re-encoded bytes must decode, with the same options
//! and strictly (we only write schema-valid XML), to an equal `Body`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uwlr::{DecodeOptions, EncodeOptions};

fn round_trip(input: &[u8], opts: &DecodeOptions) {
    let Ok(first) = uwlr::decode(input, opts) else { return };
    for indent in [true, false] {
        let enc = EncodeOptions { envelope: first.enveloped, indent, declaration: true };
        let bytes = match uwlr::encode_to_vec(&first.body, first.header.as_ref(), &enc) {
            Ok(b) => b,
            Err(e) => panic!("decoded ({:?}) but does not re-encode: {e:?}\nbody: {:?}", opts.mode, first.body),
        };
        // Same options first (the round trip proper), then strict: what we write is schema-valid.
        for (what, o) in [("same", *opts), ("strict", DecodeOptions::strict())] {
            let again = match uwlr::decode(&bytes, &o) {
                Ok(d) => d,
                Err(e) => panic!(
                    "re-encoded message ({:?} input) does not decode ({what} options): {:?}\n{}",
                    opts.mode,
                    e.diagnostics,
                    String::from_utf8_lossy(&bytes)
                ),
            };
            assert_eq!(first.body, again.body, "body changed in the round trip ({what})\n{}", String::from_utf8_lossy(&bytes));
            // `Autorisatie` is not Debug (it holds a key), so no assert_eq.
            assert!(first.header == again.header, "header changed in the round trip ({what})");
            assert_eq!(first.enveloped, again.enveloped);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip(data, &DecodeOptions::strict());
    round_trip(data, &DecodeOptions::lenient());
});
