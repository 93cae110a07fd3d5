//! `fault.*` and `results.unknown-pupil`: requests broken in one way each (or two, for
//! the check order), every one of which must get its own UWLR fault code (UWLR.md §2).
//! The requests themselves are in [`super::requests::fault_cases`].

use super::check::CheckId;
use super::judge::expect_fault;
use super::report::Verdict;
use super::Ctx;

/// Sends every case of `id` and judges each; several cases make one verdict.
pub(super) async fn run(ctx: &mut Ctx<'_>, id: CheckId) -> Verdict {
    let cases: Vec<_> = ctx.cases().into_iter().filter(|c| c.check == id).collect();
    if cases.is_empty() {
        return Verdict::na(not_applicable(ctx, id));
    }
    let mut parts = Vec::with_capacity(cases.len());
    for c in &cases {
        let Some(url) = ctx.url(c.service) else { continue };
        let ex = ctx.probe.post(url, Some(c.soap_action), c.body.clone()).await;
        parts.push((c.label.clone(), expect_fault(&ex, c.expected)));
    }
    if parts.len() == 1 {
        return parts.pop().map(|(_, v)| v).unwrap_or_else(|| Verdict::na("nothing sent"));
    }
    Verdict::combine(parts)
}

fn not_applicable(ctx: &Ctx<'_>, id: CheckId) -> String {
    match id {
        CheckId::FaultOtherSchool if ctx.t.other_school.is_some() => {
            "--other-brin names the school under test itself".into()
        }
        CheckId::FaultOtherSchool => {
            "no --other-brin given (a BRIN, BRIN/dependance or schoolkey the LAS serves that this key does not open)"
                .into()
        }
        CheckId::FaultOtherDependance => "the school is named by schoolkey, not by BRIN + dependance".into(),
        CheckId::ResultsUnknownPupil => "no --results-endpoint given".into(),
        _ => "no request for this check".into(),
    }
}
