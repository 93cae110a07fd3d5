//! The result of a run and its three forms: a table for people, JUnit XML for CI
//! systems, JSON for everything else. All three say the same; none holds the key.

use super::check::{Check, CheckId};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use serde::Serialize;
use std::fmt::Write as _;
use std::time::Duration;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    /// The endpoint breaks the standard here: the exit code is 1.
    Fail,
    /// Works, but not as the standard says (what only lenient mode accepts, a plain-HTTP
    /// endpoint, a slow median...): worth fixing, not failing.
    Warn,
    /// Does not apply to this endpoint or these options (no results endpoint, a 2.2-only
    /// LAS, no --other-brin); `why` says which.
    NotApplicable,
    /// Not judged because a check it needs failed: fix that one first.
    Skipped,
}

impl Status {
    /// The word in the table.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Warn => "warn",
            Status::NotApplicable => "n/a",
            Status::Skipped => "skipped",
        }
    }
}

/// A check's result with the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub check: CheckId,
    pub title: &'static str,
    pub status: Status,
    /// What was seen, naming the cause.
    pub why: String,
    /// How to fix it (for `fail` and `warn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// One line per finding, e.g. every schema deviation with its line:column.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    pub elapsed_ms: u64,
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub checks: usize,
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub not_applicable: usize,
    pub skipped: usize,
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results_endpoint: Option<String>,
    pub klantcode: String,
    pub school: String,
    pub schooljaar: String,
    /// The xsdversie the checks ran with (2.3, or 2.2 for a LAS that serves 2.2 only).
    pub xsdversie: String,
    /// When the run started, RFC 3339.
    pub started: String,
    pub duration_ms: u64,
    pub summary: Summary,
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// The counts per status of these outcomes.
    pub fn summarize(outcomes: &[Outcome]) -> Summary {
        let n = |s: Status| outcomes.iter().filter(|o| o.status == s).count();
        Summary {
            checks: outcomes.len(),
            pass: n(Status::Pass),
            fail: n(Status::Fail),
            warn: n(Status::Warn),
            not_applicable: n(Status::NotApplicable),
            skipped: n(Status::Skipped),
        }
    }

    /// The outcome of one check, if it ran.
    pub fn outcome(&self, id: CheckId) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.check == id)
    }

    /// The outcomes that make the exit code 1.
    pub fn failed(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.status == Status::Fail)
    }

    /// 0 when nothing failed, 1 otherwise (2 is for runs that could not start; see
    /// `cli::conformance`).
    pub fn exit_code(&self) -> i32 {
        if self.summary.fail == 0 {
            0
        } else {
            1
        }
    }

    /// The table: one row per check (check, result, why), the fix and the first details
    /// under a failing or warning row, and a summary line.
    pub fn table(&self) -> String {
        const DETAILS_SHOWN: usize = 10;
        let width = self.outcomes.iter().map(|o| o.check.name().len()).max().unwrap_or(5).max(5);
        let mut out = String::new();
        let _ = writeln!(out, "UWLR conformance of {} (xsdversie {})", self.endpoint, self.xsdversie);
        let _ = writeln!(out, "school {}, schooljaar {}, klantcode {}", self.school, self.schooljaar, self.klantcode);
        let _ = writeln!(out);
        let _ = writeln!(out, "{:<width$}  {:<7}  WHY / HOW TO FIX", "CHECK", "RESULT");
        let pad = " ".repeat(width + 11);
        for o in &self.outcomes {
            let _ = writeln!(out, "{:<width$}  {:<7}  {}", o.check.name(), o.status.word(), o.why);
            if matches!(o.status, Status::Fail | Status::Warn) {
                if let Some(fix) = &o.fix {
                    let _ = writeln!(out, "{pad}fix: {fix}");
                }
                for d in o.details.iter().take(DETAILS_SHOWN) {
                    let _ = writeln!(out, "{pad}- {d}");
                }
                if o.details.len() > DETAILS_SHOWN {
                    let _ =
                        writeln!(out, "{pad}... and {} more (all of them in --json)", o.details.len() - DETAILS_SHOWN);
                }
            }
        }
        let s = self.summary;
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} checks: {} pass, {} fail, {} warn, {} n/a, {} skipped ({:.1} s)",
            s.checks,
            s.pass,
            s.fail,
            s.warn,
            s.not_applicable,
            s.skipped,
            Duration::from_millis(self.duration_ms).as_secs_f64()
        );
        out
    }

    /// The JSON report (`--json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }

    /// JUnit XML (`--junit`): one testsuite, one testcase per check (classname
    /// `uwlr.conformance.<family>`, name the check). `fail` is a `<failure>`; `n/a` and
    /// `skipped` are `<skipped>`; a warning passes with the warning in `<system-out>`.
    pub fn to_junit(&self) -> String {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        let s = self.summary;
        let secs = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
        let counts = [
            ("tests", s.checks.to_string()),
            ("failures", s.fail.to_string()),
            ("errors", "0".to_string()),
            ("skipped", (s.not_applicable + s.skipped).to_string()),
            ("time", secs(self.duration_ms)),
        ];
        let suite_name = format!("uwlr conformance of {}", self.endpoint);
        let written: std::io::Result<()> = (|| {
            w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
            let mut root = w.create_element("testsuites").with_attribute(("name", "uwlr-conformance"));
            for (k, v) in &counts {
                root = root.with_attribute((*k, v.as_str()));
            }
            root.write_inner_content(|w| {
                let mut suite = w
                    .create_element("testsuite")
                    .with_attribute(("name", suite_name.as_str()))
                    .with_attribute(("timestamp", self.started.as_str()));
                for (k, v) in &counts {
                    suite = suite.with_attribute((*k, v.as_str()));
                }
                suite.write_inner_content(|w| {
                    w.create_element("properties").write_inner_content(|w| {
                        let mut props = vec![
                            ("endpoint", self.endpoint.clone()),
                            ("klantcode", self.klantcode.clone()),
                            ("school", self.school.clone()),
                            ("schooljaar", self.schooljaar.clone()),
                            ("xsdversie", self.xsdversie.clone()),
                        ];
                        if let Some(r) = &self.results_endpoint {
                            props.push(("results_endpoint", r.clone()));
                        }
                        for (k, v) in props {
                            w.create_element("property")
                                .with_attribute(("name", k))
                                .with_attribute(("value", v.as_str()))
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                    for o in &self.outcomes {
                        testcase(w, o, &secs(o.elapsed_ms))?;
                    }
                    Ok(())
                })?;
                Ok(())
            })?;
            Ok(())
        })();
        written.expect("writing into a Vec cannot fail");
        let mut text = String::from_utf8(w.into_inner()).expect("the writer writes UTF-8");
        text.push('\n');
        text
    }
}

fn testcase(w: &mut Writer<Vec<u8>>, o: &Outcome, time: &str) -> std::io::Result<()> {
    let classname = format!("uwlr.conformance.{}", o.check.family());
    let case = w
        .create_element("testcase")
        .with_attribute(("classname", classname.as_str()))
        .with_attribute(("name", o.check.name()))
        .with_attribute(("time", time));
    let text = long_text(o);
    match o.status {
        Status::Pass => {
            case.write_empty()?;
        }
        Status::Fail => {
            case.write_inner_content(|w| {
                w.create_element("failure")
                    .with_attribute(("message", o.why.as_str()))
                    .with_attribute(("type", "uwlr-conformance"))
                    .write_text_content(BytesText::new(&text))?;
                Ok(())
            })?;
        }
        Status::Warn => {
            case.write_inner_content(|w| {
                w.create_element("system-out").write_text_content(BytesText::new(&format!("warning: {text}")))?;
                Ok(())
            })?;
        }
        Status::NotApplicable | Status::Skipped => {
            let message = format!("{}: {}", o.status.word(), o.why);
            case.write_inner_content(|w| {
                w.create_element("skipped").with_attribute(("message", message.as_str())).write_empty()?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Why, fix and details as one block of text.
fn long_text(o: &Outcome) -> String {
    let mut t = o.why.clone();
    if let Some(f) = &o.fix {
        let _ = write!(t, "\nfix: {f}");
    }
    for d in &o.details {
        let _ = write!(t, "\n- {d}");
    }
    t
}

/// What a check function decides; the runner makes it an [`Outcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub status: Status,
    pub why: String,
    pub fix: Option<String>,
    pub details: Vec<String>,
}

impl Verdict {
    fn new(status: Status, why: impl Into<String>) -> Self {
        Verdict { status, why: why.into(), fix: None, details: Vec::new() }
    }
    pub(crate) fn pass(why: impl Into<String>) -> Self {
        Verdict::new(Status::Pass, why)
    }
    pub(crate) fn fail(why: impl Into<String>) -> Self {
        Verdict::new(Status::Fail, why)
    }
    pub(crate) fn warn(why: impl Into<String>) -> Self {
        Verdict::new(Status::Warn, why)
    }
    pub(crate) fn na(why: impl Into<String>) -> Self {
        Verdict::new(Status::NotApplicable, why)
    }
    pub(crate) fn skipped(why: impl Into<String>) -> Self {
        Verdict::new(Status::Skipped, why)
    }
    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
    pub(crate) fn details(mut self, d: Vec<String>) -> Self {
        self.details = d;
        self
    }

    /// Several probes of one check as one verdict: the worst status wins, and the text
    /// names each probe that did not pass (or all of them when all passed).
    pub(crate) fn combine(parts: Vec<(String, Verdict)>) -> Verdict {
        let rank = |s: Status| match s {
            Status::Fail => 4,
            Status::Skipped => 3,
            Status::Warn => 2,
            Status::NotApplicable => 1,
            Status::Pass => 0,
        };
        let worst = parts.iter().map(|(_, v)| v.status).max_by_key(|s| rank(*s)).unwrap_or(Status::Pass);
        let shown: Vec<&(String, Verdict)> = if worst == Status::Pass {
            parts.iter().collect()
        } else {
            parts.iter().filter(|(_, v)| v.status != Status::Pass).collect()
        };
        let why = shown.iter().map(|(label, v)| format!("{label}: {}", v.why)).collect::<Vec<_>>().join("; ");
        let fix = shown.iter().find_map(|(_, v)| v.fix.clone());
        let details = shown.iter().flat_map(|(_, v)| v.details.iter().cloned()).collect();
        Verdict { status: worst, why, fix, details }
    }

    /// The outcome, with the catalogue's fix when a failing or warning verdict has none.
    pub(crate) fn into_outcome(self, check: &Check, elapsed: Duration) -> Outcome {
        let fix = match self.status {
            Status::Fail | Status::Warn => self.fix.or_else(|| Some(check.fix.to_string())),
            _ => None,
        };
        Outcome {
            check: check.id,
            title: check.title,
            status: self.status,
            why: self.why,
            fix,
            details: self.details,
            elapsed_ms: elapsed.as_millis() as u64,
        }
    }
}
