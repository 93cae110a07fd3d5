//! Every UWLR message kind: its model, and its XML reading and writing in one place.
//!
//! [`decode`] reads any message, bare or inside a SOAP 1.1 envelope, into a [`Decoded`];
//! [`encode`] writes a [`Body`] (optionally enveloped, with the `autorisatie` header).

pub mod autorisatie;
mod envelope;
pub mod fault;
pub(crate) mod field;
pub mod leerlinggegevens;
pub mod leerresultaten;
pub mod values;

pub use autorisatie::Autorisatie;
pub use envelope::{
    decode, encode, encode_async, encode_to_vec, DecodeError, Decoded, EncodeError, EncodeOptions, Partial,
};
pub use fault::{Fault, FaultCode};

use leerlinggegevens::{
    GroepenVerzoek, LeerkrachtenAntwoord, LeerlingenAntwoord, LeerlinggegevensAntwoord, StructuurAntwoord, Verzoek,
};
use leerresultaten::{LeerresultatenBevestiging, LeerresultatenVerzoek};

/// The content of a SOAP body: one UWLR message, or a fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    LeerlinggegevensVerzoek(Verzoek),
    LeerlinggegevensAntwoord(LeerlinggegevensAntwoord),
    StructuurVerzoek(Verzoek),
    StructuurAntwoord(StructuurAntwoord),
    LeerlingenVerzoek(GroepenVerzoek),
    LeerlingenAntwoord(LeerlingenAntwoord),
    LeerkrachtenVerzoek(GroepenVerzoek),
    LeerkrachtenAntwoord(LeerkrachtenAntwoord),
    LeerresultatenVerzoek(LeerresultatenVerzoek),
    LeerresultatenBevestiging(LeerresultatenBevestiging),
    Fault(Fault),
}

/// The kinds of message, named by their element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    LeerlinggegevensVerzoek,
    LeerlinggegevensAntwoord,
    StructuurVerzoek,
    StructuurAntwoord,
    LeerlingenVerzoek,
    LeerlingenAntwoord,
    LeerkrachtenVerzoek,
    LeerkrachtenAntwoord,
    LeerresultatenVerzoek,
    LeerresultatenBevestiging,
    Fault,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::LeerlinggegevensVerzoek,
        Kind::LeerlinggegevensAntwoord,
        Kind::StructuurVerzoek,
        Kind::StructuurAntwoord,
        Kind::LeerlingenVerzoek,
        Kind::LeerlingenAntwoord,
        Kind::LeerkrachtenVerzoek,
        Kind::LeerkrachtenAntwoord,
        Kind::LeerresultatenVerzoek,
        Kind::LeerresultatenBevestiging,
        Kind::Fault,
    ];

    /// The element name on the wire.
    pub fn element(self) -> &'static str {
        match self {
            Kind::LeerlinggegevensVerzoek => "leerlinggegevens_verzoek",
            Kind::LeerlinggegevensAntwoord => "leerlinggegevens_antwoord",
            Kind::StructuurVerzoek => "structuur_verzoek",
            Kind::StructuurAntwoord => "structuur_antwoord",
            Kind::LeerlingenVerzoek => "leerlingen_verzoek",
            Kind::LeerlingenAntwoord => "leerlingen_antwoord",
            Kind::LeerkrachtenVerzoek => "leerkrachten_verzoek",
            Kind::LeerkrachtenAntwoord => "leerkrachten_antwoord",
            Kind::LeerresultatenVerzoek => "leerresultaten_verzoek",
            Kind::LeerresultatenBevestiging => "leerresultaten_bevestiging",
            Kind::Fault => "Fault",
        }
    }
}

impl Body {
    pub fn kind(&self) -> Kind {
        match self {
            Body::LeerlinggegevensVerzoek(_) => Kind::LeerlinggegevensVerzoek,
            Body::LeerlinggegevensAntwoord(_) => Kind::LeerlinggegevensAntwoord,
            Body::StructuurVerzoek(_) => Kind::StructuurVerzoek,
            Body::StructuurAntwoord(_) => Kind::StructuurAntwoord,
            Body::LeerlingenVerzoek(_) => Kind::LeerlingenVerzoek,
            Body::LeerlingenAntwoord(_) => Kind::LeerlingenAntwoord,
            Body::LeerkrachtenVerzoek(_) => Kind::LeerkrachtenVerzoek,
            Body::LeerkrachtenAntwoord(_) => Kind::LeerkrachtenAntwoord,
            Body::LeerresultatenVerzoek(_) => Kind::LeerresultatenVerzoek,
            Body::LeerresultatenBevestiging(_) => Kind::LeerresultatenBevestiging,
            Body::Fault(_) => Kind::Fault,
        }
    }
}
