//! The codec foundation every UWLR message stands on: a namespace-aware streaming reader
//! with limits, positions and strict/lenient modes; a deterministic streaming writer; and
//! diagnostics. Message modules describe their elements with these and nothing else.

pub mod diag;
pub(crate) mod facet;
pub(crate) mod reader;
pub(crate) mod writer;

pub(crate) use writer::escape;

pub use diag::{Diagnostic, Position, Severity};

/// Known namespaces, resolved once per element so that message code compares enums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    Leerlinggegevens,
    Leerresultaten,
    Oso,
    Autorisatie,
    Soap,
    /// No namespace at all.
    None,
    Other,
}

impl Ns {
    pub(crate) fn from_uri(uri: &str) -> Ns {
        match uri {
            LEERLINGGEGEVENS_NS => Ns::Leerlinggegevens,
            LEERRESULTATEN_NS => Ns::Leerresultaten,
            OSO_NS => Ns::Oso,
            AUTORISATIE_NS => Ns::Autorisatie,
            SOAP_ENV_NS => Ns::Soap,
            _ => Ns::Other,
        }
    }
    pub fn uri(self) -> &'static str {
        match self {
            Ns::Leerlinggegevens => LEERLINGGEGEVENS_NS,
            Ns::Leerresultaten => LEERRESULTATEN_NS,
            Ns::Oso => OSO_NS,
            Ns::Autorisatie => AUTORISATIE_NS,
            Ns::Soap => SOAP_ENV_NS,
            Ns::None | Ns::Other => "",
        }
    }
}

// The namespaces live here, not in the message modules that use them, so that `xml`
// depends on nothing else in the crate (the message modules re-export theirs as `NS`).
pub const LEERLINGGEGEVENS_NS: &str = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens";
pub const LEERRESULTATEN_NS: &str = "http://www.edustandaard.nl/leerresultaten/2/leerresultaten";
/// The OSO dossier namespace that `leerresultaten` borrows its result types from.
pub const OSO_NS: &str = "http://www.edustandaard.nl/oso_gegevensset/1.2/dossier";
pub const AUTORISATIE_NS: &str = "http://www.edustandaard.nl/leerresultaten/2/autorisatie";
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// An `xsi:type` naming a bilaterally agreed extension type (of `anderresultaat` or a
/// `toevoegingen/blok`): the QName as written and the namespace its prefix is bound to.
/// An XML notion (the reader resolves it, the writer declares its prefix), so it lives here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct XsiType {
    /// `prefix:local` or `local`.
    pub name: String,
    /// The namespace of the prefix (the default namespace for an unprefixed name).
    pub namespace: Option<String>,
}

impl XsiType {
    pub fn prefix(&self) -> Option<&str> {
        self.name.split_once(':').map(|(p, _)| p)
    }
}

/// Strict follows the schema to the letter; lenient accepts what real LAS systems send
/// (children out of order, empty optional elements, padded or quoted values) and reports
/// each such deviation as a warning. Both only ever produce type-correct values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Strict,
    Lenient,
}

/// Data-minimisation profiles of UWLR.md §3: elements a profile does not name are errors.
/// The checks live with the message they judge (`message::leerlinggegevens::profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    SmalleSet,
    LvsSet,
}

/// Bounds on untrusted input. Each is checked while reading, before the work it bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Whole document, in bytes.
    pub max_bytes: usize,
    /// Element nesting, the envelope included.
    pub max_depth: usize,
    /// Elements in the document.
    pub max_elements: u64,
    /// Characters in one text value.
    pub max_text_len: usize,
    /// Characters in one attribute value (namespace declarations included).
    pub max_attribute_len: usize,
    /// Attributes on one element (namespace declarations included).
    pub max_attributes: usize,
}

impl Default for Limits {
    /// Generous for a school (a generated 100,000-pupil answer is 56 MiB compact; a large
    /// primary school has under 1,500), tight for an attacker.
    fn default() -> Self {
        Limits {
            max_bytes: 64 << 20,
            max_depth: 24,
            max_elements: 4_000_000,
            max_text_len: 64 << 10,
            max_attribute_len: 4 << 10,
            max_attributes: 32,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecodeOptions {
    pub mode: Mode,
    pub profile: Option<Profile>,
    pub limits: Limits,
}

impl DecodeOptions {
    pub fn strict() -> Self {
        DecodeOptions::default()
    }
    pub fn lenient() -> Self {
        DecodeOptions { mode: Mode::Lenient, ..Default::default() }
    }
}
