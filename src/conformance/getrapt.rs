//! `getrapt.*`: the step-by-step operations must tell the same story as the alles-in-een
//! answer: same school, groups, pupils and teachers, selected by group.

use super::judge::{fault_text, fix_for_fault, pass_or_warn, read, Read};
use super::report::Verdict;
use super::requests::{Header, Service, Verzoek, ACTION_LEERKRACHTEN, ACTION_LEERLINGEN, ACTION_STRUCTUUR};
use super::Ctx;
use crate::message::leerlinggegevens::{
    Antwoord, GroepItem, GroepSelectie, GroepSoort, Leerkracht, Leerling, Leerlinggegevens,
};
use crate::message::Body;
use std::collections::BTreeMap;

/// N/A when the WSDL was read and offers no getrapt operation (and no getrapt endpoint
/// was named).
fn not_offered(ctx: &Ctx<'_>) -> Option<Verdict> {
    (ctx.getrapt_offered == Some(false) && ctx.t.getrapt_endpoint.is_none())
        .then(|| Verdict::na("the WSDL offers no getrapt operations (HaalStructuur, HaalLeerlingen, HaalLeerkrachten)"))
}

fn alles(ctx: &Ctx<'_>) -> Result<Leerlinggegevens, Verdict> {
    ctx.data.clone().ok_or_else(|| Verdict::skipped("no alles-in-een answer to compare with"))
}

async fn send(ctx: &Ctx<'_>, v: &Verzoek, action: &str) -> Result<super::probe::Exchange, super::probe::ProbeError> {
    let url = ctx.url(Service::Getrapt).unwrap_or(&ctx.t.endpoint);
    ctx.probe.post(url, Some(action), v.bytes(&Header::of(&ctx.t.auth))).await
}

/// A fault or another element instead of the answer.
fn unexpected(r: &Read<'_>, expected: &str) -> Verdict {
    match &r.body {
        Body::Fault(f) => Verdict::fail(format!("HTTP {}: answered the fault {}", r.ex.status, fault_text(f)))
            .fix(fix_for_fault(f.code)),
        other => {
            Verdict::fail(format!("HTTP {}: answered <{}>; expected <{expected}>", r.ex.status, other.kind().element()))
        }
    }
}

/// `getrapt.structuur`.
pub(super) async fn structuur(ctx: &mut Ctx<'_>) -> Verdict {
    if let Some(v) = not_offered(ctx) {
        return v;
    }
    let all = match alles(ctx) {
        Ok(a) => a,
        Err(v) => return v,
    };
    let v = Verzoek { element: "structuur_verzoek", ..Verzoek::normal(ctx.t, &ctx.version) };
    let ex = send(ctx, &v, ACTION_STRUCTUUR).await;
    let r = match read(&ex) {
        Ok(r) => r,
        Err(v) => return v,
    };
    let s = match &r.body {
        Body::StructuurAntwoord(Antwoord::Gegevens(s)) => s,
        Body::StructuurAntwoord(other) => {
            return Verdict::fail(format!("answered {}; expected the structure of the school", antwoord_word(other)))
        }
        _ => return unexpected(&r, "structuur_antwoord"),
    };
    let mut diffs = Vec::new();
    if s.school.schooljaar != all.school.schooljaar || s.school.id != all.school.id {
        diffs.push("the school block names another school or year than alles-in-een".to_string());
    }
    diffs.extend(compare(
        "vestiging",
        &keyed(all.vestigingen.iter().map(|v| (v.key.clone(), v))),
        &keyed(s.vestigingen.iter().map(|v| (v.key.clone(), v))),
    ));
    diffs.extend(compare("groep", &groups(&all.groepen), &groups(&s.groepen)));
    if diffs.is_empty() {
        pass_or_warn(
            &r,
            format!("{} vestigingen and {} groups, as in alles-in-een", s.vestigingen.len(), s.groepen.len()),
        )
    } else {
        disagree(diffs)
    }
}

/// `getrapt.leerlingen`.
pub(super) async fn leerlingen(ctx: &mut Ctx<'_>) -> Verdict {
    if let Some(v) = not_offered(ctx) {
        return v;
    }
    let all = match alles(ctx) {
        Ok(a) => a,
        Err(v) => return v,
    };
    // Every group, and the keyless selection for pupils in no groep: everyone.
    let everyone = Verzoek {
        element: "leerlingen_verzoek",
        groepen: Some(every_group(&all)),
        ..Verzoek::normal(ctx.t, &ctx.version)
    };
    let mut parts = Vec::new();
    let v = match leerlingen_of(ctx, &everyone).await {
        Ok((got, r)) => {
            let diffs = compare("leerling", &pupils(&all.leerlingen), &pupils(&got));
            if diffs.is_empty() {
                pass_or_warn_owned(&r, format!("all {} pupils for all groups", got.len()))
            } else {
                disagree(diffs)
            }
        }
        Err(v) => v,
    };
    parts.push(("every group".to_string(), v));
    // One class group with pupils: exactly its pupils.
    let one = all.groepen.iter().find_map(|g| match g {
        GroepItem::Groep(g) if all.leerlingen.iter().any(|l| l.groep.as_deref() == Some(&g.key)) => Some(g.key.clone()),
        _ => None,
    });
    if let Some(key) = one {
        let v = Verzoek {
            element: "leerlingen_verzoek",
            groepen: Some(vec![GroepSelectie { soort: GroepSoort::Groep, key: Some(key.clone()) }]),
            ..Verzoek::normal(ctx.t, &ctx.version)
        };
        let expected: Vec<Leerling> =
            all.leerlingen.iter().filter(|l| l.groep.as_deref() == Some(key.as_str())).cloned().collect();
        let v = match leerlingen_of(ctx, &v).await {
            Ok((got, r)) => {
                let diffs = compare("leerling", &pupils(&expected), &pupils(&got));
                if diffs.is_empty() {
                    pass_or_warn_owned(&r, format!("its {} pupils", got.len()))
                } else {
                    disagree(diffs)
                }
            }
            Err(v) => v,
        };
        parts.push((format!("groep '{key}'"), v));
    }
    Verdict::combine(parts)
}

async fn leerlingen_of(ctx: &Ctx<'_>, v: &Verzoek) -> Result<(Vec<Leerling>, OwnedRead), Verdict> {
    let ex = send(ctx, v, ACTION_LEERLINGEN).await;
    let r = read(&ex)?;
    let got = match &r.body {
        Body::LeerlingenAntwoord(Antwoord::Gegevens(l)) => l.leerlingen.clone(),
        Body::LeerlingenAntwoord(other) => {
            return Err(Verdict::fail(format!("answered {}; expected the pupils of the groups", antwoord_word(other))))
        }
        _ => return Err(unexpected(&r, "leerlingen_antwoord")),
    };
    Ok((got, OwnedRead::of(&r)))
}

/// `getrapt.leerkrachten`.
pub(super) async fn leerkrachten(ctx: &mut Ctx<'_>) -> Verdict {
    if let Some(v) = not_offered(ctx) {
        return v;
    }
    let all = match alles(ctx) {
        Ok(a) => a,
        Err(v) => return v,
    };
    let v = Verzoek {
        element: "leerkrachten_verzoek",
        groepen: Some(every_group(&all)),
        ..Verzoek::normal(ctx.t, &ctx.version)
    };
    let ex = send(ctx, &v, ACTION_LEERKRACHTEN).await;
    let r = match read(&ex) {
        Ok(r) => r,
        Err(v) => return v,
    };
    let got = match &r.body {
        Body::LeerkrachtenAntwoord(Antwoord::Gegevens(l)) => l.leerkrachten.clone(),
        Body::LeerkrachtenAntwoord(Antwoord::GeenGegevens) if all.leerkrachten.is_empty() => Vec::new(),
        Body::LeerkrachtenAntwoord(other) => {
            return Verdict::fail(format!("answered {}; expected the teachers of the groups", antwoord_word(other)))
        }
        _ => return unexpected(&r, "leerkrachten_antwoord"),
    };
    let diffs = compare("leerkracht", &teachers(&all.leerkrachten), &teachers(&got));
    if diffs.is_empty() {
        pass_or_warn(&r, format!("all {} teachers for all groups", got.len()))
    } else {
        disagree(diffs)
    }
}

/// The status of a read, kept beyond the exchange it borrowed from.
struct OwnedRead {
    status: u16,
    deviations: Vec<String>,
}

impl OwnedRead {
    fn of(r: &Read<'_>) -> Self {
        OwnedRead { status: r.ex.status, deviations: r.deviations.clone() }
    }
}

fn pass_or_warn_owned(r: &OwnedRead, what: String) -> Verdict {
    if !r.deviations.is_empty() {
        return Verdict::warn(format!(
            "{what}; but the answer breaks the schema in {} place(s) that lenient mode accepts",
            r.deviations.len()
        ))
        .details(r.deviations.clone());
    }
    if r.status != 200 {
        return Verdict::warn(format!("{what}; but with HTTP {} (expected 200)", r.status));
    }
    Verdict::pass(what)
}

/// Every group of the school, both kinds, plus the keyless `<groep/>`.
fn every_group(all: &Leerlinggegevens) -> Vec<GroepSelectie> {
    let mut sel: Vec<GroepSelectie> = all
        .groepen
        .iter()
        .map(|g| match g {
            GroepItem::Groep(g) => GroepSelectie { soort: GroepSoort::Groep, key: Some(g.key.clone()) },
            GroepItem::SamengesteldeGroep(g) => {
                GroepSelectie { soort: GroepSoort::SamengesteldeGroep, key: Some(g.key.clone()) }
            }
        })
        .collect();
    sel.push(GroepSelectie { soort: GroepSoort::Groep, key: None });
    sel
}

fn antwoord_word<T>(a: &Antwoord<T>) -> &'static str {
    match a {
        Antwoord::Gegevens(_) => "data",
        Antwoord::GeenWijzigingen => "geenwijzigingen",
        Antwoord::GeenGegevens => "geengegevens",
    }
}

fn keyed<'a, T>(items: impl Iterator<Item = (String, &'a T)>) -> BTreeMap<String, &'a T> {
    items.collect()
}

fn groups(g: &[GroepItem]) -> BTreeMap<String, &GroepItem> {
    keyed(g.iter().map(|g| (g.key().to_string(), g)))
}

/// Pupils by their identity: LAS key, else ECK iD.
fn pupils(l: &[Leerling]) -> BTreeMap<String, &Leerling> {
    keyed(l.iter().map(|l| (l.key.clone().or_else(|| l.eckid.clone()).unwrap_or_default(), l)))
}

fn teachers(t: &[Leerkracht]) -> BTreeMap<String, &Leerkracht> {
    keyed(t.iter().map(|t| (t.key.clone(), t)))
}

/// Missing, extra and different items, one line each.
fn compare<T: PartialEq>(what: &str, want: &BTreeMap<String, &T>, got: &BTreeMap<String, &T>) -> Vec<String> {
    let mut d = Vec::new();
    for (k, w) in want {
        match got.get(k) {
            None => d.push(format!("{what} '{k}' is missing")),
            Some(g) if g != w => d.push(format!("{what} '{k}' differs from the alles-in-een answer")),
            Some(_) => {}
        }
    }
    for k in got.keys().filter(|k| !want.contains_key(*k)) {
        d.push(format!("{what} '{k}' is not in the alles-in-een answer"));
    }
    d
}

fn disagree(diffs: Vec<String>) -> Verdict {
    Verdict::fail(format!("{} difference(s) with alles-in-een: {}", diffs.len(), diffs[0])).details(diffs)
}
