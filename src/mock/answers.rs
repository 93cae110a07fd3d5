//! Canned answers: pupil-data answers read from files (`uwlr mock-las --answer FILE`) and
//! served, verbatim in content, to a request whose `gegevenssetid` names the file. Why:
//! independent SOAP clients must be shown every answer shape a LAS may send
//! (`geengegevens`, `geenwijzigingen`, getrapt answers, a person known only by roepnaam, a
//! school known only by schoolkey, a fault), not only the shapes the generated schools
//! happen to have. The request still passes the server's checks (xsdversie, klant, key)
//! first; only the data comes from the file, and the server encodes and checks it as it
//! does every answer.

use crate::message::fault::{Fault, FaultCode};
use crate::message::leerlinggegevens::Verzoek;
use crate::message::{Body, Kind};
use crate::DecodeOptions;
use std::collections::HashMap;
use std::path::Path;

/// The canned answers, by name (the file name without `.xml`).
#[derive(Debug, Clone, Default)]
pub struct CannedAnswers {
    by_name: HashMap<String, Body>,
}

impl CannedAnswers {
    /// Reads a pupil-data answer (`leerlinggegevens_antwoord`, `structuur_antwoord`,
    /// `leerlingen_antwoord`, `leerkrachten_antwoord`) or a SOAP fault, bare or enveloped,
    /// and checks it strictly: a file the codec refuses is refused here, naming it. Returns
    /// the name requests use as `gegevenssetid`, and the message.
    pub fn load(path: &Path) -> Result<(String, Body), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let body = crate::decode(&bytes, &DecodeOptions::strict())
            .map_err(|e| format!("{}: not a valid UWLR message: {e}", path.display()))?
            .body;
        if !matches!(
            body.kind(),
            Kind::LeerlinggegevensAntwoord
                | Kind::StructuurAntwoord
                | Kind::LeerlingenAntwoord
                | Kind::LeerkrachtenAntwoord
                | Kind::Fault
        ) {
            return Err(format!(
                "{}: <{}> is not a pupil-data answer or a fault",
                path.display(),
                body.kind().element()
            ));
        }
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let name = file.strip_suffix(".xml").unwrap_or(file).to_string();
        // gegevenssetid is at most 64 characters (Text64); a longer name could never be asked for.
        if name.is_empty() || name.chars().count() > 64 {
            return Err(format!("{}: the file name must give a gegevenssetid of 1 to 64 characters", path.display()));
        }
        Ok((name, body))
    }

    /// Adds an answer; a second one under the same name is refused.
    pub fn insert(&mut self, name: String, body: Body) -> Result<(), String> {
        if self.by_name.contains_key(&name) {
            return Err(format!("two answer files are named '{name}'"));
        }
        self.by_name.insert(name, body);
        Ok(())
    }

    /// The canned answer for `req`, if its `gegevenssetid` names one: `Ok(Some(body))`
    /// when it is an answer of kind `want`, `Err` when it is a fault (that fault) or an
    /// answer to another operation (`Client.OngeldigBericht`, naming both), `Ok(None)`
    /// when no canned answer has that name (the mock answers from its schools).
    pub fn pick(&self, req: &Verzoek, want: Kind) -> Result<Option<Body>, Fault> {
        let Some(name) = req.gegevenssetid.as_deref() else { return Ok(None) };
        let Some(body) = self.by_name.get(name) else { return Ok(None) };
        match body {
            Body::Fault(f) => Err(f.clone()),
            b if b.kind() == want => Ok(Some(b.clone())),
            b => Err(Fault::new(
                FaultCode::OngeldigBericht,
                format!(
                    "Inhoud van het bericht is ongeldig: gegevenssetid '{name}' is a canned <{}>, not a <{}>",
                    b.kind().element(),
                    want.element()
                ),
            )),
        }
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::leerlinggegevens::Antwoord;
    use crate::message::values::{SchoolId, Schooljaar};

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/valid").join(name)
    }

    fn verzoek(gegevenssetid: Option<&str>) -> Verzoek {
        Verzoek {
            schooljaar: Schooljaar::new(2024).unwrap(),
            school: SchoolId::Brin { brincode: "99DE".into(), dependancecode: None },
            xsdversie: "2.3".into(),
            gegevenssetid: gegevenssetid.map(Into::into),
            laatstontvangengegevens: None,
        }
    }

    #[test]
    fn an_answer_is_served_to_its_own_operation_by_name() {
        let mut c = CannedAnswers::default();
        let (name, body) = CannedAnswers::load(&fixture("leerlinggegevens_antwoord_geengegevens.xml")).unwrap();
        assert_eq!(name, "leerlinggegevens_antwoord_geengegevens");
        c.insert(name.clone(), body).unwrap();
        assert!(c.insert(name.clone(), Body::Fault(Fault::standard(FaultCode::InterneFout))).is_err());

        let got = c.pick(&verzoek(Some(&name)), Kind::LeerlinggegevensAntwoord).unwrap();
        assert!(matches!(got, Some(Body::LeerlinggegevensAntwoord(Antwoord::GeenGegevens))), "{got:?}");
        assert!(c.pick(&verzoek(None), Kind::LeerlinggegevensAntwoord).unwrap().is_none());
        assert!(c.pick(&verzoek(Some("other")), Kind::LeerlinggegevensAntwoord).unwrap().is_none());
        let wrong = c.pick(&verzoek(Some(&name)), Kind::StructuurAntwoord).unwrap_err();
        assert_eq!(wrong.code, Some(FaultCode::OngeldigBericht));
        assert!(wrong.message.contains("leerlinggegevens_antwoord") && wrong.message.contains("structuur_antwoord"));
    }

    #[test]
    fn a_fault_file_is_that_fault_and_other_messages_are_refused() {
        let mut c = CannedAnswers::default();
        let (name, body) = CannedAnswers::load(&fixture("structuur_fault.xml")).unwrap();
        c.insert(name.clone(), body).unwrap();
        let f = c.pick(&verzoek(Some(&name)), Kind::StructuurAntwoord).unwrap_err();
        assert_eq!(f.code, Some(FaultCode::AutorisatieOngeldig));

        let e = CannedAnswers::load(&fixture("leerlinggegevens_verzoek.xml")).unwrap_err();
        assert!(e.contains("not a pupil-data answer"), "{e}");
        let e = CannedAnswers::load(&fixture("does-not-exist.xml")).unwrap_err();
        assert!(e.contains("cannot read"), "{e}");
    }
}
