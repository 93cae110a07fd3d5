//! The conformance suite a LAS vendor (or a test platform) points at a UWLR 2.x endpoint:
//! named checks that say, per check, pass / fail / warn / does not apply, why, and how to
//! fix it. User documentation in `docs/conformance.md`.
//!
//! - [`check`]: the catalogue, in run order: what each check sends, expects, and where
//!   UWLR.md says so. One table that the runner, the reports and the docs follow.
//! - [`target`]: what the suite is pointed at ([`Target`]).
//! - [`requests`]: every request as bytes, many broken on purpose ([`fault_cases`]).
//! - `probe`: raw HTTP(S) exchanges; `tls`: a look at the handshake; `judge`: strict then
//!   lenient reading of answers, faults by code.
//! - one module per family: `wsdl`, `data` (with `version.*`), `delta`, `faults`,
//!   `getrapt`, `results`, `transport`.
//! - [`report`]: [`Report`] of [`Outcome`]s, as a table, JUnit XML and JSON.
//! - `uwlr conformance` is [`crate::cli::conformance`].
//!
//! A check whose premise failed (the alles-in-een answer for the getrapt comparison, the
//! individual fault codes for the check order) is *skipped*, not failed: one defect fails
//! one check. Checks run one after another; a run sends about 45 requests (plus the
//! timing calls), writes results only for `--test-pupil`, and never prints the key.

pub mod check;
mod data;
mod delta;
mod faults;
mod getrapt;
mod judge;
mod probe;
pub mod report;
pub mod requests;
mod results;
pub mod target;
mod tls;
mod transport;
mod wsdl;

pub use check::{Check, CheckId, CHECKS};
pub use report::{Outcome, Report, Status, Summary};
pub use requests::{fault_cases, CaseRequest, Service};
pub use target::{Target, Timing};

use crate::message::leerlinggegevens::Leerlinggegevens;
use crate::message::leerresultaten::LeerresultatenVerzoek;
use probe::Probe;
use report::Verdict;
use std::time::Instant;

/// What the runner tells its caller, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    Started { index: usize, total: usize, check: &'a Check },
    Finished { index: usize, total: usize, outcome: &'a Outcome },
}

/// The suite could not start: an unusable target (URL, PEM material, a `--check` that
/// selects nothing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

/// What the checks learn and hand on during a run.
pub(crate) struct Ctx<'t> {
    t: &'t Target,
    probe: Probe,
    /// The xsdversie the run speaks: 2.3, or 2.2 with a LAS that refuses 2.3.
    version: String,
    v23_refused: bool,
    /// The alles-in-een answer of `data.strict`, and its bytes.
    data: Option<Leerlinggegevens>,
    data_raw: Option<Vec<u8>>,
    /// The answer needed lenient mode.
    data_lenient: bool,
    /// From the WSDL: whether it offers any getrapt operation.
    getrapt_offered: Option<bool>,
    /// From the WSDLs read: the `soap:address` to call per service, where it is used
    /// instead of the endpoint given (see [`Target::force_endpoint`]).
    wsdl_address: std::collections::HashMap<Service, String>,
    /// The results message `results.roundtrip` got accepted, for the re-sends.
    results: Option<LeerresultatenVerzoek>,
    test_pupil_eckid: Option<String>,
}

impl Ctx<'_> {
    fn cases(&self) -> Vec<CaseRequest> {
        fault_cases(self.t, &self.version)
    }

    /// Where requests of `service` go: the WSDL's address for it when one was read and
    /// used, else the endpoint given (`None`: no endpoint for that service).
    fn url(&self, service: Service) -> Option<&str> {
        let given = service.url(self.t)?;
        Some(self.wsdl_address.get(&service).map_or(given, String::as_str))
    }

    /// [`Ctx::url`] of the pupil-data service, owned (the checks change `self` meanwhile).
    fn ll_url(&self) -> String {
        self.url(Service::Leerlinggegevens).unwrap_or(&self.t.endpoint).to_string()
    }
}

/// Runs every selected check against `target`, in catalogue order, calling `progress`
/// before and after each. Never fails because of what the endpoint does: that is in the
/// report.
pub async fn run(target: &Target, mut progress: impl FnMut(Progress<'_>)) -> Result<Report, SetupError> {
    let probe = Probe::new(target).map_err(SetupError)?;
    if let Some(pem) = &target.client_identity_pem {
        tls::identity(pem, &rustls::crypto::aws_lc_rs::default_provider()).map_err(SetupError)?;
    }
    let selected: Vec<&Check> = CHECKS.iter().filter(|c| target.selects(c.name)).collect();
    if selected.is_empty() {
        return Err(SetupError(format!("--check {} selects no check", target.only.join(", "))));
    }
    let started = target.clock.now();
    let begun = Instant::now();
    let mut ctx = Ctx {
        t: target,
        probe,
        version: "2.3".into(),
        v23_refused: false,
        data: None,
        data_raw: None,
        data_lenient: false,
        getrapt_offered: None,
        wsdl_address: Default::default(),
        results: None,
        test_pupil_eckid: None,
    };
    let total = selected.len();
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(total);
    for (index, check) in selected.into_iter().enumerate() {
        progress(Progress::Started { index, total, check });
        let t0 = Instant::now();
        let tls_failed = outcomes.iter().any(|o| o.check == CheckId::TransportTls && o.status == Status::Fail);
        let verdict = match blocked(check, &outcomes) {
            _ if tls_failed => Verdict::skipped("not judged: transport.tls failed, so no request gets through"),
            Some(v) => v,
            None => run_one(check.id, &mut ctx).await,
        };
        let outcome = redact(verdict.into_outcome(check, t0.elapsed()), &target.auth.autorisatiesleutel);
        progress(Progress::Finished { index, total, outcome: &outcome });
        outcomes.push(outcome);
    }
    Ok(Report {
        endpoint: target.endpoint.clone(),
        results_endpoint: target.results_endpoint.clone(),
        klantcode: target.auth.klantcode.clone(),
        school: target::school_text(&target.school),
        schooljaar: target.schooljaar.to_string(),
        xsdversie: ctx.version.clone(),
        started: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        duration_ms: begun.elapsed().as_millis() as u64,
        summary: Report::summarize(&outcomes),
        outcomes,
    })
}

/// Skipped when a check this one needs failed or was skipped; not applicable when it did
/// not apply.
fn blocked(check: &Check, done: &[Outcome]) -> Option<Verdict> {
    for need in check.needs {
        let Some(o) = done.iter().find(|o| o.check == *need) else { continue };
        match o.status {
            Status::Fail => return Some(Verdict::skipped(format!("not judged: {need} failed; fix that first"))),
            Status::Skipped => return Some(Verdict::skipped(format!("not judged: {need} was skipped"))),
            Status::NotApplicable if check.needs.len() == 1 => {
                return Some(Verdict::na(format!("{need} does not apply: {}", o.why)))
            }
            _ => {}
        }
    }
    None
}

async fn run_one(id: CheckId, ctx: &mut Ctx<'_>) -> Verdict {
    use CheckId::*;
    match id {
        WsdlLeerlinggegevens => wsdl::leerlinggegevens(ctx).await,
        WsdlLeerresultaten => wsdl::leerresultaten(ctx).await,
        TransportTls => transport::tls(ctx).await,
        DataStrict => data::strict(ctx).await,
        DataSchool => data::school(ctx).await,
        DataProfile => data::profile(ctx).await,
        DataEckid => data::eckid(ctx).await,
        Version23 => data::v23(ctx).await,
        Version22 => data::v22(ctx).await,
        DeltaFuture => delta::future(ctx).await,
        DeltaPast => delta::past(ctx).await,
        FaultMalformedXml
        | FaultHeaderMissing
        | FaultHeaderIncomplete
        | FaultWrongKlantcode
        | FaultWrongKlantnaam
        | FaultWrongKey
        | FaultOtherSchool
        | FaultOtherDependance
        | FaultUnknownSchoolkey
        | FaultMalformedBrin
        | FaultMalformedDependance
        | FaultMalformedSchooljaar
        | FaultMalformedDatetime
        | FaultXsdversie
        | FaultOrder
        | FaultMalformedHeader
        | FaultSoapVersion
        | FaultMustUnderstand
        | ResultsUnknownPupil => faults::run(ctx, id).await,
        GetraptStructuur => getrapt::structuur(ctx).await,
        GetraptLeerlingen => getrapt::leerlingen(ctx).await,
        GetraptLeerkrachten => getrapt::leerkrachten(ctx).await,
        ResultsRoundtrip => results::roundtrip(ctx).await,
        ResultsResend => results::resend(ctx).await,
        ResultsEckid => results::eckid(ctx).await,
        TransportContentType => transport::content_type(ctx).await,
        TransportSoapaction => transport::soapaction(ctx).await,
        TransportTiming => transport::timing(ctx).await,
    }
}

/// The key never reaches a report, whatever the LAS echoed back.
fn redact(mut o: Outcome, key: &str) -> Outcome {
    let clean = |s: &str| crate::redact::key_in_text(s, key);
    o.why = clean(&o.why);
    o.fix = o.fix.as_deref().map(clean);
    for d in &mut o.details {
        *d = clean(d);
    }
    o
}
