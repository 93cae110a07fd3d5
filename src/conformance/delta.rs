//! `delta.*`: `laatstontvangengegevens`, the field that turns a nightly full import into
//! a cheap "anything new?" (UWLR.md §3 item 5).

use super::judge::{fault_text, pass_or_warn, read};
use super::report::Verdict;
use super::requests::{Header, Verzoek, ACTION_HAAL};
use super::Ctx;
use crate::message::leerlinggegevens::Antwoord;
use crate::message::Body;

/// `delta.future`: a moment after every change there can have been.
pub(super) async fn future(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    let later = t.clock.now() + chrono::Duration::days(1);
    let zoned = later.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let floating = later.format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut parts = Vec::new();
    for (label, stamp) in [("with Z", zoned), ("without zone", floating)] {
        let v = Verzoek { laatstontvangengegevens: Some(stamp.clone()), ..Verzoek::normal(t, &ctx.version) };
        let ex = ctx.probe.post(&ctx.ll_url(), Some(ACTION_HAAL), v.bytes(&Header::of(&t.auth))).await;
        let verdict = match read(&ex) {
            Err(v) => v,
            Ok(r) => match &r.body {
                Body::LeerlinggegevensAntwoord(Antwoord::GeenWijzigingen) => {
                    pass_or_warn(&r, format!("{stamp}: geenwijzigingen"))
                }
                Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(d)) => Verdict::fail(format!(
                    "{stamp}: answered with data ({} pupils) although nothing can have changed after that moment: \
                     clients re-import everything every time",
                    d.leerlingen.len()
                )),
                Body::LeerlinggegevensAntwoord(Antwoord::GeenGegevens) => {
                    Verdict::fail(format!("{stamp}: answered geengegevens; expected geenwijzigingen"))
                }
                Body::Fault(f) => Verdict::fail(format!("{stamp}: answered the fault {}", fault_text(f))),
                other => Verdict::fail(format!("{stamp}: answered <{}>", other.kind().element())),
            },
        };
        parts.push((label.to_string(), verdict));
    }
    Verdict::combine(parts)
}

/// `delta.past`: every school changed since 2000.
pub(super) async fn past(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    let stamp = "2000-01-01T00:00:00Z";
    let v = Verzoek { laatstontvangengegevens: Some(stamp.into()), ..Verzoek::normal(t, &ctx.version) };
    let ex = ctx.probe.post(&ctx.ll_url(), Some(ACTION_HAAL), v.bytes(&Header::of(&t.auth))).await;
    match read(&ex) {
        Err(v) => v,
        Ok(r) => match &r.body {
            Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(d)) => {
                pass_or_warn(&r, format!("{stamp}: answered with data ({} pupils)", d.leerlingen.len()))
            }
            Body::LeerlinggegevensAntwoord(Antwoord::GeenWijzigingen) => Verdict::fail(format!(
                "{stamp}: answered geenwijzigingen, as if nothing changed since 2000: clients never see changes"
            )),
            Body::LeerlinggegevensAntwoord(Antwoord::GeenGegevens) => {
                Verdict::fail(format!("{stamp}: answered geengegevens; expected the changes since then"))
            }
            Body::Fault(f) => Verdict::fail(format!("{stamp}: answered the fault {}", fault_text(f))),
            other => Verdict::fail(format!("{stamp}: answered <{}>", other.kind().element())),
        },
    }
}
