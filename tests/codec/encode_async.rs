//! The async writer path: same bytes as the sync one, and nothing at all for an invalid message.

use uwlr::message::leerlinggegevens::{Antwoord, Leerlinggegevens};
use uwlr::{Body, EncodeOptions};

#[tokio::test]
async fn async_encoding_matches_and_refuses_invalid_messages_whole() {
    let school = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils: 40, ..Default::default() });
    let body = Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(school));
    let opts = EncodeOptions::default();
    let mut out: Vec<u8> = Vec::new();
    uwlr::message::encode_async(&body, None, &opts, &mut out).await.unwrap();
    assert_eq!(out, uwlr::encode_to_vec(&body, None, &opts).unwrap());

    // No pupils: the schema needs at least one, so nothing may be written.
    let invalid = Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(Leerlinggegevens::default()));
    let mut out: Vec<u8> = Vec::new();
    let err = uwlr::message::encode_async(&invalid, None, &opts, &mut out).await.unwrap_err();
    assert!(err.to_string().contains("needs at least one <leerling>"), "{err}");
    assert!(out.is_empty());
}
