//! The mock LAS's UWLR side: the [`LasProvider`] it serves (pupil data, changes since
//! `laatstontvangengegevens`, canned answers, fault injection) and the results it
//! receives, with the rules a result must pass before it is stored.

use super::{DeltaMode, MockLas};
use crate::message::fault::{Fault, FaultCode};
use crate::message::leerlinggegevens::{
    Antwoord, GroepenVerzoek, LeerkrachtenAntwoord, LeerlingenAntwoord, Leerlinggegevens, LeerlinggegevensAntwoord,
    SchoolIdentificatie, StructuurAntwoord, Verzoek,
};
use crate::message::leerresultaten::{
    LeerresultatenVerzoek, Norm, Normering, Resultaat, ResultaatWaarde, Toets, Toetsafname,
};
use crate::message::values::{SchoolId, XsiType};
use crate::message::{Autorisatie, Body, Kind};
use crate::mock::clock::{to_utc, to_uwlr};
use crate::mock::klant_known;
use crate::server::provider::{leerkrachten_uit, leerlingen_uit, structuur_uit};
use crate::server::{ongeldige_school, Injected, LasProvider};

/// The highest raw `score` the mock accepts (the test centre's longest tests have a few
/// hundred items); higher gives `Client.ScoreOngeldig`.
pub const MAX_SCORE: u64 = 1000;

/// Says which pupil a toetsafname names, for fault messages.
fn describe(a: &Toetsafname) -> String {
    match (&a.leerlingid, &a.eckid) {
        (Some(k), Some(e)) => format!("leerlingid '{k}' / eckid '{e}'"),
        (Some(k), None) => format!("leerlingid '{k}'"),
        (None, Some(e)) => format!("eckid '{e}'"),
        (None, None) => "(no leerlingid or eckid)".into(),
    }
}

/// The score rules of the mock: a raw score at most [`MAX_SCORE`]; an OSO result with a
/// toetsscore or at least one referentiescore, and no negative counts.
pub fn check_score(r: &Resultaat) -> Result<(), Fault> {
    let refuse = |why: String| {
        Err(Fault::new(FaultCode::ScoreOngeldig, format!("Score ongeldig: resultaat '{}': {why}", r.key)))
    };
    match &r.waarde {
        ResultaatWaarde::Score(s) if *s > MAX_SCORE => refuse(format!("score {s} is above {MAX_SCORE}")),
        ResultaatWaarde::Oso(o) if o.toetsscore.is_none() && o.referentiescores.is_empty() => {
            refuse("an osoresultaat needs a toetsscore or a referentiescore".into())
        }
        ResultaatWaarde::Oso(o) => {
            if let Some(t) = &o.toetsscore {
                for (name, v) in [
                    ("aantalopgaven", t.aantalopgaven),
                    ("aantalgoed", t.aantalgoed),
                    ("aantalfout", t.aantalfout),
                    ("aantalgelezen", t.aantalgelezen),
                ] {
                    if let Some(v) = v.filter(|v| *v < 0) {
                        return refuse(format!("{name} {v} is negative"));
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The normering rules of the mock, for every `toetsnormering` and
/// `toetsonderdeelnormering` of the declared tests: each norm's `beginnormwaarde` at most
/// its `eindnormwaarde`, and no raw score in two norms (ranges are inclusive: 0-28 and
/// 29-33 fit, 0-30 and 30-40 overlap). Otherwise `Client.ToetsNormeringOngeldig`, naming
/// the toets (and onderdeel) and the term(s).
pub fn check_normering(toetsen: &[Toets]) -> Result<(), Fault> {
    for t in toetsen {
        let code = &t.toetscode.value;
        let whole = t.toetsnormering.as_ref().map(|n| (format!("toets '{code}'"), n));
        let parts = t
            .toetsonderdelen
            .iter()
            .filter_map(|o| o.normering.as_ref().map(|n| (format!("toets '{code}' onderdeel '{}'", o.code.value), n)));
        for (what, n) in whole.into_iter().chain(parts) {
            normen_consistent(n).map_err(|why| {
                Fault::new(FaultCode::ToetsNormeringOngeldig, format!("Toetsnormering ongeldig: {what}: {why}"))
            })?;
        }
    }
    Ok(())
}

fn normen_consistent(n: &Normering) -> Result<(), String> {
    if let Some(x) = n.normen.iter().find(|x| x.beginnormwaarde > x.eindnormwaarde) {
        return Err(format!(
            "norm '{}': beginnormwaarde {} is above eindnormwaarde {}",
            x.term, x.beginnormwaarde, x.eindnormwaarde
        ));
    }
    // Sorted by start, a norm overlaps an earlier one iff it starts at or before the
    // furthest end so far (n log n: a message may hold many norms).
    let mut sorted: Vec<_> = n.normen.iter().collect();
    sorted.sort_by_key(|x| (x.beginnormwaarde, x.eindnormwaarde));
    let mut furthest: Option<&Norm> = None;
    for x in sorted {
        if let Some(f) = furthest.filter(|f| x.beginnormwaarde <= f.eindnormwaarde) {
            return Err(format!(
                "norms '{}' ({}-{}) and '{}' ({}-{}) overlap",
                f.term, f.beginnormwaarde, f.eindnormwaarde, x.term, x.beginnormwaarde, x.eindnormwaarde
            ));
        }
        if furthest.is_none_or(|f| x.eindnormwaarde > f.eindnormwaarde) {
            furthest = Some(x);
        }
    }
    Ok(())
}

/// Is `t` one of the `agreed` anderresultaat formats (local name, or `{namespace}local`)?
fn ander_agreed(agreed: &[String], t: &XsiType) -> bool {
    let local = t.name.rsplit(':').next().unwrap_or(&t.name);
    agreed.iter().any(|a| match a.strip_prefix('{').and_then(|r| r.split_once('}')) {
        Some((ns, l)) => l == local && t.namespace.as_deref() == Some(ns),
        None => a == local,
    })
}

/// [inferred] "ELD resultaat" is read as an `anderresultaat` (a bilaterally agreed format,
/// UWLR.md §4): one whose `xsi:type` the LAS has not agreed is refused with
/// `Client.EldResultaatOngeldig`, naming the type.
fn check_ander(agreed: &[String], r: &Resultaat) -> Result<(), Fault> {
    match &r.waarde {
        ResultaatWaarde::Ander(a) if !ander_agreed(agreed, &a.xsi_type) => Err(Fault::new(
            FaultCode::EldResultaatOngeldig,
            format!(
                "ELD resultaat ongeldig: resultaat '{}': anderresultaat type '{}'{} is not agreed with this LAS",
                r.key,
                a.xsi_type.name,
                a.xsi_type.namespace.as_deref().map(|ns| format!(" (namespace '{ns}')")).unwrap_or_default()
            ),
        )),
        _ => Ok(()),
    }
}

/// Breaks a pupil-data answer the way a bad import would (fault injection `internal`):
/// the school's BRIN cut to three characters, which the schema refuses.
fn break_schema(d: &mut Leerlinggegevens) {
    let brincode = match &d.school.id {
        SchoolIdentificatie::Brin { brincode, .. } => brincode.chars().take(3).collect(),
        _ => "9DE".to_string(),
    };
    d.school.id = SchoolIdentificatie::Brin { brincode, dependancecode: None, schoolkey: None };
}

impl LasProvider for MockLas {
    async fn klant(&self, klantcode: &str, klantnaam: &str) -> bool {
        klant_known(&self.inner.state.read().await.klanten, klantcode, klantnaam)
    }

    async fn autoriseer(&self, auth: &Autorisatie, school: &SchoolId) -> bool {
        let st = self.inner.state.read().await;
        let Some(s) = st.find(school) else { return false };
        st.keys.verify(&auth.autorisatiesleutel, &auth.klantcode, &s.name.id())
    }

    async fn leerlinggegevens(&self, req: &Verzoek) -> Result<LeerlinggegevensAntwoord, Fault> {
        if let Some(Body::LeerlinggegevensAntwoord(a)) = self.canned(req, Kind::LeerlinggegevensAntwoord).await? {
            return Ok(a);
        }
        let now = self.now();
        let st = self.inner.state.read().await;
        let s = st.find(&req.school).ok_or_else(ongeldige_school)?;
        if req.schooljaar != s.data.school.schooljaar || s.data.leerlingen.is_empty() {
            return Ok(Antwoord::GeenGegevens);
        }
        let since = req.laatstontvangengegevens.as_ref().map(to_utc);
        if let Some(since) = since {
            if s.last_change <= since {
                return Ok(Antwoord::GeenWijzigingen);
            }
        }
        let mut d = s.data.clone();
        d.school.aanmaakdatum = Some(to_uwlr(now).to_micros());
        d.school.xsdversie = Some("2.3".into());
        if let (Some(since), DeltaMode::Changed) = (since, self.inner.delta) {
            let changed = |m: &Option<crate::message::values::DateTime>| m.as_ref().is_some_and(|m| to_utc(m) > since);
            if d.leerlingen.iter().any(|l| changed(&l.mutatiedatum)) {
                d.leerlingen.retain(|l| changed(&l.mutatiedatum));
                d.leerkrachten.retain(|t| changed(&t.mutatiedatum));
            }
        }
        if self.inner.faults.take_internal() {
            break_schema(&mut d);
        }
        Ok(Antwoord::Gegevens(d))
    }

    async fn leerresultaten(&self, _auth: &Autorisatie, req: &LeerresultatenVerzoek) -> Result<(), Fault> {
        let now = self.now();
        let mut st = self.inner.state.write().await;
        let s = st.schools.iter_mut().find(|s| s.name.matches(&req.school.id)).ok_or_else(ongeldige_school)?;
        // The whole message is checked before anything is stored: it is accepted whole
        // or refused with one fault. Declarations first, then each toetsafname in order.
        check_normering(&req.toetsen)?;
        let mut pupils = Vec::with_capacity(req.toetsafnames.len());
        for a in &req.toetsafnames {
            let p = s.pupil_of(a).ok_or_else(|| {
                Fault::new(
                    FaultCode::LeerlingOngeldig,
                    format!("Leerling ongeldig: {} is not a pupil of school {}", describe(a), s.name.id()),
                )
            })?;
            for r in &a.resultaten {
                check_score(r)?;
                check_ander(&self.inner.ander_types, r)?;
            }
            pupils.push(p);
        }
        s.results.deliveries += 1;
        let mut n = 0;
        for (a, p) in req.toetsafnames.iter().zip(&pupils) {
            for r in &a.resultaten {
                s.results.put(p, r, now, true);
                n += 1;
            }
        }
        tracing::info!(school = %s.name.id(), results = n, "leerresultaten received");
        Ok(())
    }

    async fn intercept(&self, kind: Kind) -> Option<Injected> {
        self.inner.faults.next(kind)
    }

    // The getrapt answers are cut from the alles-in-een one, as by default, unless a
    // canned answer is asked for.
    async fn structuur(&self, req: &Verzoek) -> Result<StructuurAntwoord, Fault> {
        if let Some(Body::StructuurAntwoord(a)) = self.canned(req, Kind::StructuurAntwoord).await? {
            return Ok(a);
        }
        Ok(structuur_uit(self.leerlinggegevens(req).await?))
    }

    async fn leerlingen(&self, req: &GroepenVerzoek) -> Result<LeerlingenAntwoord, Fault> {
        if let Some(Body::LeerlingenAntwoord(a)) = self.canned(&req.verzoek, Kind::LeerlingenAntwoord).await? {
            return Ok(a);
        }
        Ok(leerlingen_uit(self.leerlinggegevens(&req.verzoek).await?, &req.groepen))
    }

    async fn leerkrachten(&self, req: &GroepenVerzoek) -> Result<LeerkrachtenAntwoord, Fault> {
        if let Some(Body::LeerkrachtenAntwoord(a)) = self.canned(&req.verzoek, Kind::LeerkrachtenAntwoord).await? {
            return Ok(a);
        }
        Ok(leerkrachten_uit(self.leerlinggegevens(&req.verzoek).await?, &req.groepen))
    }

    /// Both versions, or 2.2 alone under the `serve_2_2_only` setting.
    fn xsd_versies(&self) -> &[&str] {
        if self.inner.faults.serves_22_only() {
            &["2.2"]
        } else {
            &["2.2", "2.3"]
        }
    }
}
