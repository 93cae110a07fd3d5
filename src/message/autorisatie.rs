//! The `autorisatie` SOAP header: which test platform (klantcode + klantnaam) calls, with
//! which school key. The key is a secret: it never appears in `Debug` output.

use std::fmt;

pub use crate::xml::AUTORISATIE_NS as NS;

#[derive(Clone, PartialEq, Eq)]
pub struct Autorisatie {
    pub autorisatiesleutel: String,
    pub klantcode: String,
    pub klantnaam: String,
}

impl fmt::Debug for Autorisatie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Autorisatie")
            .field("autorisatiesleutel", &"<redacted>")
            .field("klantcode", &self.klantcode)
            .field("klantnaam", &self.klantnaam)
            .finish()
    }
}
