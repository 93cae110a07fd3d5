//! `results.*` (except the unknown pupil, a fault case): BrengLeerresultaten for the test
//! pupil, the re-send that re-norming depends on, and the 2.3 form naming the pupil by
//! ECK iD only. These write results at the LAS, for the test pupil only.

use super::judge::{fault_text, fix_for_fault, pass_or_warn, read};
use super::report::Verdict;
use super::requests::{results_bytes, results_for, Service, ACTION_BRENG};
use super::Ctx;
use crate::message::leerresultaten::{LeerresultatenVerzoek, ResultaatWaarde};
use crate::message::Body;

/// `results.roundtrip`.
pub(super) async fn roundtrip(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    if t.results_endpoint.is_none() {
        return Verdict::na("no --results-endpoint given");
    }
    let Some(id) = &t.test_pupil else {
        return Verdict::na("no --test-pupil given (the LAS key or ECK iD of a pupil results may be written for)");
    };
    let Some(d) = &ctx.data else {
        return Verdict::skipped("no alles-in-een answer to find the test pupil in");
    };
    let Some(pupil) = d.leerlingen.iter().find(|l| l.key.as_deref() == Some(id) || l.eckid.as_deref() == Some(id))
    else {
        return Verdict::fail(format!(
            "the test pupil '{id}' is not among the {} pupils of the alles-in-een answer",
            d.leerlingen.len()
        ))
        .fix("Pass --test-pupil with the LAS key or ECK iD of a pupil of this school");
    };
    let r = results_for(t, &ctx.version, pupil);
    let v = send(ctx, &r, "two results of one declared test").await;
    if v.status != super::Status::Fail {
        ctx.results = Some(r);
        ctx.test_pupil_eckid = pupil.eckid.clone();
    }
    v
}

/// `results.resend`.
pub(super) async fn resend(ctx: &mut Ctx<'_>) -> Verdict {
    let Some(mut r) = ctx.results.clone() else {
        return Verdict::skipped("results.roundtrip sent nothing that was accepted");
    };
    for a in &mut r.toetsafnames {
        for res in &mut a.resultaten {
            if let ResultaatWaarde::Score(s) = &mut res.waarde {
                *s = if *s >= 60 { *s - 1 } else { *s + 1 };
            }
        }
    }
    send(ctx, &r, "the same resultaat keys, a new raw score").await
}

/// `results.eckid`.
pub(super) async fn eckid(ctx: &mut Ctx<'_>) -> Verdict {
    if ctx.version == "2.2" {
        return Verdict::na("xsdversie 2.2 (this LAS serves 2.2 only): leerlingid is required there");
    }
    let Some(mut r) = ctx.results.clone() else {
        return Verdict::skipped("results.roundtrip sent nothing that was accepted");
    };
    let Some(eckid) = ctx.test_pupil_eckid.clone() else {
        return Verdict::na("the test pupil has no ECK iD in the alles-in-een answer");
    };
    for a in &mut r.toetsafnames {
        a.leerlingid = None;
        a.eckid = Some(eckid.clone());
    }
    send(ctx, &r, "the test pupil by ECK iD only").await
}

async fn send(ctx: &Ctx<'_>, r: &LeerresultatenVerzoek, what: &str) -> Verdict {
    let Some(url) = ctx.url(Service::Leerresultaten) else {
        return Verdict::na("no --results-endpoint given");
    };
    let body = match results_bytes(r, &ctx.t.auth) {
        Ok(b) => b,
        Err(e) => {
            return Verdict::fail(format!("the suite cannot write a valid results message for this pupil: {e}"))
                .fix("Use a test pupil whose LAS key and ECK iD fit the schema (at most 256 characters)")
        }
    };
    let ex = ctx.probe.post(url, Some(ACTION_BRENG), body).await;
    let rd = match read(&ex) {
        Ok(rd) => rd,
        Err(v) => return v,
    };
    match &rd.body {
        Body::LeerresultatenBevestiging(_) => pass_or_warn(&rd, format!("{what}: leerresultaten_bevestiging")),
        Body::Fault(f) => {
            Verdict::fail(format!("{what}: answered the fault {}", fault_text(f))).fix(fix_for_fault(f.code))
        }
        other => Verdict::fail(format!(
            "{what}: answered <{}>; expected the empty <leerresultaten_bevestiging>",
            other.kind().element()
        )),
    }
}
