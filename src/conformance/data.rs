//! `data.*` and `version.*`: the normal HaalLeerlinggegevens answer, judged strictly,
//! and the two xsdversie values UWLR 2.3 clients send.

use super::judge::{self, expect_gegevens, fault_text, is_fault, pass_or_warn};
use super::report::Verdict;
use super::requests::{Header, Verzoek, ACTION_HAAL};
use super::target::school_text;
use super::Ctx;
use crate::message::fault::FaultCode;
use crate::message::leerlinggegevens::{Leerling, SchoolIdentificatie};
use crate::message::values::SchoolId;
use crate::message::Body;
use crate::xml::{DecodeOptions, Mode, Profile};
use std::collections::BTreeSet;

/// `data.strict`: the normal request (2.3, or 2.2 when 2.3 is refused), judged strictly.
/// Keeps the data for the checks that compare with it.
pub(super) async fn strict(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    let header = Header::of(&t.auth);
    let mut ex = ctx.probe.post(&ctx.ll_url(), Some(ACTION_HAAL), Verzoek::normal(t, "2.3").bytes(&header)).await;
    let mut note = "";
    if is_fault(&ex, FaultCode::XsdVersieOngeldig) {
        // A LAS that has not moved to 2.3: the rest of the run speaks 2.2 with it.
        ctx.v23_refused = true;
        ctx.version = "2.2".into();
        ex = ctx.probe.post(&ctx.ll_url(), Some(ACTION_HAAL), Verzoek::normal(t, "2.2").bytes(&header)).await;
        note = " (xsdversie 2.2: the LAS refused 2.3 with Client.XsdVersieOngeldig)";
    }
    let (d, read) = match expect_gegevens(&ex) {
        Ok(x) => x,
        Err(v) => return v,
    };
    let what = format!(
        "{} pupils, {} groups, {} teachers{}{note}",
        d.leerlingen.len(),
        d.groepen.len(),
        d.leerkrachten.len(),
        if read.deviations.is_empty() { ", strictly valid" } else { "" }
    );
    let mut verdict = pass_or_warn(&read, what);
    if !read.deviations.is_empty() {
        verdict = verdict
            .fix("Emit the answer exactly as the XSD says; each finding below names the element path and line:column");
    }
    ctx.data_raw = Some(read.ex.body.clone());
    ctx.data_lenient = !read.deviations.is_empty();
    ctx.data = Some(d);
    verdict
}

/// `data.school`.
pub(super) async fn school(ctx: &mut Ctx<'_>) -> Verdict {
    let Some(d) = &ctx.data else { return no_data() };
    let t = ctx.t;
    let mut wrong = Vec::new();
    if d.school.schooljaar != t.schooljaar {
        wrong.push(format!("schooljaar {} (asked {})", d.school.schooljaar, t.schooljaar));
    }
    let named = match (&d.school.id, &t.school) {
        (
            SchoolIdentificatie::Brin { brincode, dependancecode, .. },
            SchoolId::Brin { brincode: asked, dependancecode: asked_dep },
        ) => {
            let dep = |d: &Option<String>| d.clone().unwrap_or_else(|| "00".into());
            if brincode == asked && dep(dependancecode) == dep(asked_dep) {
                Ok(())
            } else {
                Err(school_text(&SchoolId::Brin { brincode: brincode.clone(), dependancecode: dependancecode.clone() }))
            }
        }
        (
            SchoolIdentificatie::Brin { schoolkey, .. }
            | SchoolIdentificatie::Instelling { schoolkey, .. }
            | SchoolIdentificatie::Schoolkey(schoolkey),
            SchoolId::Schoolkey(k),
        ) => match schoolkey {
            Some(s) if s == k => Ok(()),
            Some(s) => Err(format!("schoolkey '{s}'")),
            None => Err("no schoolkey".to_string()),
        },
        (other, _) => Err(match other.to_school_id() {
            Some(s) => school_text(&s),
            None => "no school identification".to_string(),
        }),
    };
    if let Err(got) = named {
        wrong.push(format!("the school block names {got} (asked {})", school_text(&t.school)));
    }
    if wrong.is_empty() {
        Verdict::pass(format!("{}, {}", school_text(&t.school), t.schooljaar))
    } else {
        Verdict::fail(format!("the answer is not about the school and year asked for: {}", wrong.join("; ")))
    }
}

/// `data.profile`.
pub(super) async fn profile(ctx: &mut Ctx<'_>) -> Verdict {
    let Some(p) = ctx.t.profile else {
        return Verdict::na("no --profiel given (smalle-set or lvs-set)");
    };
    let Some(raw) = &ctx.data_raw else { return no_data() };
    if ctx.version == "2.2" {
        return Verdict::na("the profiles are checked in their 2.3 form, and this LAS answers xsdversie 2.2 only");
    }
    let name = match p {
        Profile::SmalleSet => "Smalle set",
        Profile::LvsSet => "LVS-set",
    };
    let mode = if ctx.data_lenient { Mode::Lenient } else { Mode::Strict };
    let opts = DecodeOptions { mode, profile: Some(p), ..DecodeOptions::default() };
    match crate::decode(raw, &opts) {
        Ok(_) => Verdict::pass(format!("fits the {name} (2.3)")),
        Err(e) => {
            let errors: Vec<String> = e.errors().take(200).map(|d| d.to_string()).collect();
            Verdict::fail(format!("{} finding(s) against the {name}: {}", errors.len(), errors[0])).details(errors)
        }
    }
}

/// `data.eckid`.
pub(super) async fn eckid(ctx: &mut Ctx<'_>) -> Verdict {
    let Some(d) = &ctx.data else { return no_data() };
    let ids: Vec<(&str, &str)> = d
        .leerlingen
        .iter()
        .filter_map(|l| l.eckid.as_deref().map(|e| ("leerling", e)))
        .chain(d.leerkrachten.iter().filter_map(|t| t.eckid.as_deref().map(|e| ("leerkracht", e))))
        .collect();
    if ids.is_empty() {
        return Verdict::na("no leerling or leerkracht in the answer has an ECK iD");
    }
    let odd: Vec<String> = ids
        .iter()
        .filter(|(_, e)| !e.starts_with("https://ketenid.nl/"))
        .map(|(who, e)| format!("{who} eckid '{}'", e.chars().take(80).collect::<String>()))
        .collect();
    if odd.is_empty() {
        Verdict::pass(format!("{} ECK iDs, all of the form https://ketenid.nl/...", ids.len()))
    } else {
        Verdict::warn(format!(
            "{} of {} ECK iDs do not start with https://ketenid.nl/: {}",
            odd.len(),
            ids.len(),
            odd[0]
        ))
        .details(odd)
    }
}

/// `version.2.3`.
pub(super) async fn v23(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    if ctx.v23_refused && ctx.data.is_some() {
        return serves_22_only();
    }
    let ex =
        ctx.probe.post(&ctx.ll_url(), Some(ACTION_HAAL), Verzoek::normal(t, "2.3").bytes(&Header::of(&t.auth))).await;
    if is_fault(&ex, FaultCode::XsdVersieOngeldig) {
        ctx.v23_refused = true;
        return serves_22_only();
    }
    match expect_gegevens(&ex) {
        Ok((d, read)) => pass_or_warn(&read, format!("answered with data ({} pupils)", d.leerlingen.len())),
        Err(v) => v,
    }
}

fn serves_22_only() -> Verdict {
    Verdict::na(
        "this LAS serves xsdversie 2.2 only (it answers 2.3 with Client.XsdVersieOngeldig): the 2.3 checks \
         (version.2.3, results.eckid, data.profile) do not apply, the others ran with 2.2",
    )
}

/// `version.2.2`.
pub(super) async fn v22(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    let ex =
        ctx.probe.post(&ctx.ll_url(), Some(ACTION_HAAL), Verzoek::normal(t, "2.2").bytes(&Header::of(&t.auth))).await;
    if let Ok(read) = judge::read(&ex) {
        if let Body::Fault(f) = &read.body {
            if f.code == Some(FaultCode::XsdVersieOngeldig) {
                return Verdict::fail(format!("refused xsdversie 2.2: {}", fault_text(f)));
            }
        }
    }
    let (d, read) = match expect_gegevens(&ex) {
        Ok(x) => x,
        Err(v) => return v,
    };
    let keyless: Vec<String> = d
        .leerlingen
        .iter()
        .filter(|l| l.key.is_none())
        .map(|l| format!("leerling without @key (eckid '{}')", l.eckid.as_deref().unwrap_or("-")))
        .collect();
    if !keyless.is_empty() {
        return Verdict::fail(format!(
            "{} pupil(s) without a LAS key in a 2.2 answer, where leerling/@key is required",
            keyless.len()
        ))
        .details(keyless);
    }
    let mut what = format!("{} pupils, every one with its LAS key", d.leerlingen.len());
    if let (Some(d23), false) = (&ctx.data, ctx.v23_refused) {
        let keys = |ls: &[Leerling]| ls.iter().filter_map(|l| l.key.clone()).collect::<BTreeSet<String>>();
        let (want, got) = (keys(&d23.leerlingen), keys(&d.leerlingen));
        let missing: Vec<String> = want.difference(&got).map(|k| format!("leerling '{k}' missing in 2.2")).collect();
        let extra: Vec<String> = got.difference(&want).map(|k| format!("leerling '{k}' only in 2.2")).collect();
        if !missing.is_empty() || !extra.is_empty() {
            let details: Vec<String> = missing.into_iter().chain(extra).collect();
            return Verdict::fail(format!(
                "the 2.2 answer does not hold the pupils of the 2.3 answer that have a LAS key: {}",
                details[0]
            ))
            .details(details);
        }
        match d23.leerlingen.len() - want.len() {
            0 => what.push_str("; the same pupils as the 2.3 answer"),
            n => what.push_str(&format!("; the 2.3 answer's pupils but the {n} known by ECK iD only")),
        }
    }
    pass_or_warn(&read, what)
}

fn no_data() -> Verdict {
    Verdict::skipped("no alles-in-een answer to judge (data.strict did not run or got none)")
}
