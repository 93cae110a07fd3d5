//! SOAP 1.1 faults with the eleven UWLR fault codes. On the wire the code is qualified with
//! the envelope prefix (`soap:Client.AutorisatieOngeldig`); readers match the local part
//! after the last `:` because servers disagree about the prefix.

use crate::message::values::wire_enum;

wire_enum!(
    /// The UWLR fault codes (local part of `faultcode`).
    FaultCode {
        InterneFout = "Server.InterneFout",
        TijdelijkNietBeschikbaar = "Server.TijdelijkNietBeschikbaar",
        OngeldigBericht = "Client.OngeldigBericht",
        OngeldigeKlantIdentificatie = "Client.OngeldigeKlantIdentificatie",
        AutorisatieOngeldig = "Client.AutorisatieOngeldig",
        VocabulaireTermOngeldig = "Client.VocabulaireTermOngeldig",
        XsdVersieOngeldig = "Client.XsdVersieOngeldig",
        LeerlingOngeldig = "Client.LeerlingOngeldig",
        ToetsNormeringOngeldig = "Client.ToetsNormeringOngeldig",
        ScoreOngeldig = "Client.ScoreOngeldig",
        EldResultaatOngeldig = "Client.EldResultaatOngeldig",
    }
);

impl FaultCode {
    /// The standard's default `faultstring` for this code.
    pub fn default_message(self) -> &'static str {
        match self {
            FaultCode::InterneFout => "Er is een interne fout opgetreden",
            FaultCode::TijdelijkNietBeschikbaar => "Server is tijdelijk niet beschikbaar",
            FaultCode::OngeldigBericht => "Inhoud van het bericht is ongeldig",
            FaultCode::OngeldigeKlantIdentificatie => "Klantidentificatie onjuist",
            FaultCode::AutorisatieOngeldig => "Autorisatie is ongeldig",
            FaultCode::VocabulaireTermOngeldig => "Vocabulairterm ongeldig",
            FaultCode::XsdVersieOngeldig => "De opgegeven XSD-versie is onjuist",
            FaultCode::LeerlingOngeldig => "Leerling ongeldig",
            FaultCode::ToetsNormeringOngeldig => "Toetsnormering ongeldig",
            FaultCode::ScoreOngeldig => "Score ongeldig",
            FaultCode::EldResultaatOngeldig => "ELD resultaat ongeldig",
        }
    }

    /// Whether a retry may succeed without anyone changing anything.
    pub fn is_transient(self) -> bool {
        self == FaultCode::TijdelijkNietBeschikbaar
    }

    /// Reads a `faultcode` text whatever its prefix (`soap:`, `s:`, none).
    pub fn from_wire(text: &str) -> Option<Self> {
        let t = text.trim();
        // The local part is `Client.X` / `Server.X`: take from the last ':' on.
        let local = t.rsplit(':').next().unwrap_or(t);
        FaultCode::parse(local).ok()
    }
}

/// A SOAP 1.1 Fault. `code` is `None` for a fault outside the UWLR list; `raw_code` keeps
/// what was on the wire either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: Option<FaultCode>,
    pub raw_code: String,
    pub message: String,
    pub actor: Option<String>,
    /// Text content of `detail`, if any (a LAS may explain itself there).
    pub detail: Option<String>,
}

impl Fault {
    pub fn new(code: FaultCode, message: impl Into<String>) -> Self {
        Fault {
            code: Some(code),
            raw_code: code.as_str().to_owned(),
            message: message.into(),
            actor: None,
            detail: None,
        }
    }

    /// A fault with the code's default text.
    pub fn standard(code: FaultCode) -> Self {
        Fault::new(code, code.default_message())
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.raw_code, self.message)?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faultcode_matches_on_local_part() {
        for t in ["soap:Client.AutorisatieOngeldig", "Client.AutorisatieOngeldig", " s:Client.AutorisatieOngeldig "] {
            assert_eq!(FaultCode::from_wire(t), Some(FaultCode::AutorisatieOngeldig));
        }
        assert_eq!(FaultCode::from_wire("soap:Client"), None);
        assert_eq!(FaultCode::ALL.len(), 11);
    }
}
