//! What a LAS vendor implements to serve UWLR from its own data. The server does the SOAP,
//! the checks and their order; the provider answers questions about klanten, keys and data.

use crate::message::fault::{Fault, FaultCode};
use crate::message::leerlinggegevens::{
    Antwoord, GroepSelectie, GroepSoort, GroepenVerzoek, Leerkrachten, LeerkrachtenAntwoord, Leerlingen,
    LeerlingenAntwoord, LeerlinggegevensAntwoord, Structuur, StructuurAntwoord, Verzoek,
};
use crate::message::leerresultaten::LeerresultatenVerzoek;
use crate::message::values::SchoolId;
use crate::message::{Autorisatie, Kind};
use std::future::Future;

/// The data side of a UWLR server. Methods are called in the check order of UWLR.md §2:
/// `klant` (step 2), `autoriseer` (step 3), then one data method (step 4).
///
/// Only `leerlinggegevens` is needed for pupil data: the getrapt operations have default
/// implementations that cut the alles-in-een answer down, which a provider may replace
/// with cheaper queries.
pub trait LasProvider: Send + Sync + 'static {
    /// Is this klantcode/klantnaam a known pair? (`Client.OngeldigeKlantIdentificatie`)
    fn klant(&self, klantcode: &str, klantnaam: &str) -> impl Future<Output = bool> + Send;

    /// Does the key in `auth` open this school location for this klant? Compare keys in
    /// constant time and never log them. (`Client.AutorisatieOngeldig`)
    fn autoriseer(&self, auth: &Autorisatie, school: &SchoolId) -> impl Future<Output = bool> + Send;

    /// The school's pupil data, honouring `laatstontvangengegevens` (answer
    /// `GeenWijzigingen` when nothing changed since). A `Fault` for data problems, e.g.
    /// `OngeldigeKlantIdentificatie` when the school's data is unusable.
    fn leerlinggegevens(&self, req: &Verzoek) -> impl Future<Output = Result<LeerlinggegevensAntwoord, Fault>> + Send;

    /// Results for one school; the whole message is accepted or refused with one fault
    /// (`LeerlingOngeldig`, `VocabulaireTermOngeldig`, `ScoreOngeldig`...).
    fn leerresultaten(
        &self,
        auth: &Autorisatie,
        req: &LeerresultatenVerzoek,
    ) -> impl Future<Output = Result<(), Fault>> + Send;

    /// A hook for test doubles (the mock LAS's fault injection): called before a request
    /// is handled. `None` (the default) handles it normally.
    fn intercept(&self, kind: Kind) -> impl Future<Output = Option<Injected>> + Send {
        let _ = kind;
        async { None }
    }

    /// The `xsdversie` values this server answers.
    fn xsd_versies(&self) -> &[&str] {
        &["2.2", "2.3"]
    }

    /// Getrapt: school, locations and groups.
    fn structuur(&self, req: &Verzoek) -> impl Future<Output = Result<StructuurAntwoord, Fault>> + Send {
        async move { Ok(structuur_uit(self.leerlinggegevens(req).await?)) }
    }

    /// Getrapt: the pupils of the selected groups (a selection without key asks for the
    /// pupils in no group of that kind).
    fn leerlingen(&self, req: &GroepenVerzoek) -> impl Future<Output = Result<LeerlingenAntwoord, Fault>> + Send {
        async move { Ok(leerlingen_uit(self.leerlinggegevens(&req.verzoek).await?, &req.groepen)) }
    }

    /// Getrapt: the teachers of the selected groups.
    fn leerkrachten(&self, req: &GroepenVerzoek) -> impl Future<Output = Result<LeerkrachtenAntwoord, Fault>> + Send {
        async move { Ok(leerkrachten_uit(self.leerlinggegevens(&req.verzoek).await?, &req.groepen)) }
    }
}

/// The structuur answer cut from the alles-in-een answer (the default of
/// [`LasProvider::structuur`]).
pub fn structuur_uit(all: LeerlinggegevensAntwoord) -> StructuurAntwoord {
    map(all, |d| Structuur { school: d.school, vestigingen: d.vestigingen, groepen: d.groepen })
}

/// The pupils of the selected groups, cut from the alles-in-een answer (the default of
/// [`LasProvider::leerlingen`]); a selection that holds nobody is `GeenGegevens`.
pub fn leerlingen_uit(all: LeerlinggegevensAntwoord, groepen: &[GroepSelectie]) -> LeerlingenAntwoord {
    let a = map(all, |d| Leerlingen {
        school: d.school,
        leerlingen: d
            .leerlingen
            .into_iter()
            .filter(|l| {
                groepen.iter().any(|s| match (s.soort, &s.key) {
                    (GroepSoort::Groep, Some(k)) => l.groep.as_deref() == Some(k),
                    (GroepSoort::Groep, None) => l.groep.is_none(),
                    (GroepSoort::SamengesteldeGroep, Some(k)) => l.samengestelde_groepen.contains(k),
                    (GroepSoort::SamengesteldeGroep, None) => l.samengestelde_groepen.is_empty(),
                })
            })
            .collect(),
    });
    match a {
        // A selection that holds nobody has no data to send.
        Antwoord::Gegevens(l) if l.leerlingen.is_empty() => Antwoord::GeenGegevens,
        other => other,
    }
}

/// The teachers of the selected groups, cut from the alles-in-een answer (the default of
/// [`LasProvider::leerkrachten`]).
pub fn leerkrachten_uit(all: LeerlinggegevensAntwoord, groepen: &[GroepSelectie]) -> LeerkrachtenAntwoord {
    map(all, |d| Leerkrachten {
        school: d.school,
        leerkrachten: d
            .leerkrachten
            .into_iter()
            .filter(|t| {
                groepen.iter().any(|s| match &s.key {
                    Some(k) => t.groepen.iter().any(|g| g.soort == s.soort && &g.key == k),
                    None => !t.groepen.iter().any(|g| g.soort == s.soort),
                })
            })
            .collect(),
    })
}

/// What an intercepted request gets instead of (or before) its normal answer. The HTTP
/// layer carries out the transport ones; `dispatch` the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injected {
    /// Wait, then answer normally.
    Delay(std::time::Duration),
    /// Close the connection without answering.
    DropConnection,
    /// Answer with this HTTP status and an empty body (e.g. 503 during maintenance).
    Status(u16),
    /// Answer with these bytes as they are (malformed or schema-invalid XML).
    RawBody { status: u16, body: Vec<u8> },
    /// Answer with this fault (e.g. TijdelijkNietBeschikbaar, or a wrong code on purpose).
    Fault(Fault),
}

fn map<T, U>(a: Antwoord<T>, f: impl FnOnce(T) -> U) -> Antwoord<U> {
    match a {
        Antwoord::Gegevens(d) => Antwoord::Gegevens(f(d)),
        Antwoord::GeenWijzigingen => Antwoord::GeenWijzigingen,
        Antwoord::GeenGegevens => Antwoord::GeenGegevens,
    }
}

/// A fault for data the provider cannot serve: the standard's wording for step 4.
pub fn ongeldige_school() -> Fault {
    Fault::new(FaultCode::OngeldigeKlantIdentificatie, "De gegevens van de opgevraagde school zijn ongeldig")
}
