fn main() {
    let input = std::fs::read(std::env::args().nth(1).unwrap()).unwrap();
    match uwlr::decode(&input, &uwlr::DecodeOptions::strict()) {
        Ok(d) => {
            println!("{:?} warnings={:?}", d.body.kind(), d.warnings);
            let out = uwlr::encode_to_vec(
                &d.body,
                d.header.as_ref(),
                &uwlr::EncodeOptions { envelope: d.enveloped, ..Default::default() },
            )
            .unwrap();
            println!("{}", String::from_utf8(out).unwrap());
        }
        Err(e) => {
            for d in e.diagnostics {
                println!("{d}");
            }
        }
    }
}
