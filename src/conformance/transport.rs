//! `transport.*`: what sits under the SOAP: TLS, the content type, SOAPAction as real
//! clients send it, and how long answers take.

use super::judge::{expect_gegevens, pass_or_warn};
use super::probe::{wsdl_url, ProbeError};
use super::report::{Status, Verdict};
use super::requests::{Header, Verzoek, ACTION_HAAL, WRONG_KEY};
use super::tls::{cert_info, handshake, versions};
use super::Ctx;
use crate::message::Autorisatie;
use std::time::Duration;

/// Certificates expiring sooner than this are a warning.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// `transport.tls`.
pub(super) async fn tls(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    let Ok(url) = reqwest::Url::parse(&t.endpoint) else {
        return Verdict::fail(format!("'{}' is not a URL", t.endpoint));
    };
    if url.scheme() == "http" {
        return Verdict::warn(
            "plain HTTP: the autorisatiesleutel and the pupil data travel unencrypted (fine for a test link on \
             loopback, never for a school's data)",
        )
        .fix("Serve the endpoint over HTTPS (TLS 1.2 or 1.3)");
    }
    let host = url.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']').to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let identity = t.client_identity_pem.as_deref();
    let timeout = t.timeout.min(Duration::from_secs(30));
    let seen = match handshake(&host, port, url.path(), versions("any"), identity, timeout).await {
        Ok(s) => s,
        Err(e) => {
            let lower = e.to_lowercase();
            let fix = if identity.is_none()
                && (lower.contains("certificaterequired") || lower.contains("certificate required"))
            {
                "The server demands a client certificate (as ESIS does): pass --client-identity with the certificate \
                 and key the LAS vendor registered"
            } else {
                "Serve TLS 1.2 or 1.3 with a certificate for the host name"
            };
            return Verdict::fail(format!("TLS with {host}:{port} failed: {e}")).fix(fix);
        }
    };
    let mut supported = Vec::new();
    for v in ["1.2", "1.3"] {
        if handshake(&host, port, url.path(), versions(v), identity, timeout).await.is_ok() {
            supported.push(format!("TLS {v}"));
        }
    }
    // Trust, as the gateway's client judges it: the platform's roots plus --ca.
    let trust = match ctx.probe.get(&wsdl_url(&t.endpoint)).await {
        Ok(_) => None,
        Err(ProbeError::Tls(e)) => Some(e),
        Err(_) => None,
    };
    let mut why = format!(
        "{} ({}); {}; a chain of {} certificate(s)",
        seen.version,
        seen.suite,
        if supported.is_empty() { "?".to_string() } else { format!("offers {}", supported.join(" and ")) },
        seen.chain.len()
    );
    let mut warnings = Vec::new();
    if let Some(info) = seen.chain.first().and_then(|c| cert_info(c)) {
        let days = (info.not_after - t.clock.now().naive_utc()).num_days();
        why.push_str(&format!(", the server's valid until {} ({days} days)", info.not_after.format("%Y-%m-%d")));
        if days < EXPIRY_WARNING_DAYS {
            warnings.push(format!("the server certificate expires in {days} days"));
        }
        if info.self_issued && trust.is_some() {
            why.push_str(", self-signed");
        }
    }
    if seen.client_cert_asked {
        why.push_str(if identity.is_some() {
            "; the server asked for a client certificate and accepted ours"
        } else {
            "; the server asked for a client certificate (none sent) and carried on"
        });
    }
    if let Some(e) = trust {
        let hint = if seen.chain.len() == 1 {
            "; the server sends only its own certificate: send the intermediates too"
        } else {
            ""
        };
        return Verdict::fail(format!("the certificate chain is not trusted: {e}{hint}"))
            .fix(
                "Use a certificate for this host name from a CA the test platforms trust, and send the whole chain; \
                  for a private test CA, run with --ca",
            )
            .details(vec![why]);
    }
    if !warnings.is_empty() {
        return Verdict::warn(format!("{why}; but {}", warnings.join("; ")))
            .fix("Renew the certificate before it expires: an expired one stops every link at once");
    }
    Verdict::pass(format!("{why}; trusted"))
}

/// `transport.content-type`.
pub(super) async fn content_type(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    let normal = Verzoek::normal(t, &ctx.version);
    let wrong = Autorisatie { autorisatiesleutel: WRONG_KEY.into(), ..t.auth.clone() };
    let mut parts = Vec::new();
    for (label, header) in [("answer", Header::of(&t.auth)), ("fault", Header::of(&wrong))] {
        let v = match ctx.probe.post(&ctx.ll_url(), Some(ACTION_HAAL), normal.bytes(&header)).await {
            Ok(ex) => judge_content_type(ex.content_type.as_deref(), &ex.body),
            Err(e) => Verdict::fail(e.to_string()).fix(e.fix()),
        };
        parts.push((label.to_string(), v));
    }
    Verdict::combine(parts)
}

/// Content-Type `text/xml; charset=utf-8`, and an XML declaration (if any) saying UTF-8.
pub(crate) fn judge_content_type(ct: Option<&str>, body: &[u8]) -> Verdict {
    let Some(ct) = ct else {
        return Verdict::fail("no Content-Type header; expected text/xml; charset=utf-8");
    };
    let mut parts = ct.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase());
    if let Some(enc) = declared_encoding(body) {
        if !enc.eq_ignore_ascii_case("utf-8") {
            return Verdict::fail(format!("the XML declaration says encoding '{enc}'; UWLR is UTF-8"));
        }
    }
    match (mime.as_str(), charset.as_deref()) {
        ("text/xml", Some("utf-8" | "utf8")) => Verdict::pass(format!("'{ct}'")),
        ("text/xml", None) => Verdict::warn(format!("'{ct}' without charset; expected text/xml; charset=utf-8")),
        (_, Some(c)) if c != "utf-8" && c != "utf8" => {
            Verdict::fail(format!("'{ct}': charset {c}; UWLR messages are UTF-8"))
        }
        ("application/soap+xml", _) => {
            Verdict::fail(format!("'{ct}' is the SOAP 1.2 content type; UWLR is SOAP 1.1 (text/xml)"))
        }
        ("application/xml", _) => Verdict::warn(format!("'{ct}'; SOAP 1.1 over HTTP says text/xml")),
        _ => Verdict::fail(format!("'{ct}'; expected text/xml; charset=utf-8")),
    }
}

fn declared_encoding(body: &[u8]) -> Option<String> {
    let head = std::str::from_utf8(&body[..body.len().min(200)]).ok()?;
    let decl = head.strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let rest = decl[at + 8..].trim_start().strip_prefix('=')?.trim_start();
    let q = rest.chars().next()?;
    let rest = &rest[1..];
    Some(rest[..rest.find(q)?].to_string())
}

/// `transport.soapaction`.
pub(super) async fn soapaction(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    let body = Verzoek::normal(t, &ctx.version).bytes(&Header::of(&t.auth));
    let mut parts = Vec::new();
    for (label, action) in [("unquoted", Some("HaalLeerlinggegevens")), ("absent", None)] {
        let ex = ctx.probe.post(&ctx.ll_url(), action, body.clone()).await;
        let v = match expect_gegevens(&ex) {
            Ok((d, r)) => pass_or_warn(&r, format!("data ({} pupils)", d.leerlingen.len())),
            Err(v) if v.status == Status::Fail => Verdict::warn(v.why).fix(
                "Accept SOAPAction quoted, unquoted or absent and dispatch on the body element: real UWLR clients \
                 send it unquoted",
            ),
            Err(v) => v,
        };
        parts.push((label.to_string(), v));
    }
    Verdict::combine(parts)
}

/// `transport.timing`.
pub(super) async fn timing(ctx: &mut Ctx<'_>) -> Verdict {
    let t = ctx.t;
    let calls = t.timing.calls.max(1);
    let body = Verzoek::normal(t, &ctx.version).bytes(&Header::of(&t.auth));
    let mut times = Vec::with_capacity(calls);
    let mut size = 0;
    for i in 1..=calls {
        match ctx.probe.post(&ctx.ll_url(), Some(ACTION_HAAL), body.clone()).await {
            Ok(ex) if ex.status == 200 => {
                size = ex.body.len();
                times.push(ex.elapsed);
            }
            Ok(ex) => return Verdict::fail(format!("call {i} of {calls}: HTTP {}", ex.status)),
            Err(e) => return Verdict::fail(format!("call {i} of {calls}: {e}")).fix(e.fix()),
        }
    }
    times.sort();
    let p50 = percentile(&times, 50);
    let p99 = percentile(&times, 99);
    let why = format!("p50 {}, p99 {} over {calls} call(s) (answers of {} kB)", ms(p50), ms(p99), (size + 512) / 1024);
    if p99 > t.timing.max_p99 {
        return Verdict::fail(format!("{why}: p99 is above {}", ms(t.timing.max_p99)));
    }
    if p50 > t.timing.slow_p50 {
        return Verdict::warn(format!("{why}: p50 is above {}", ms(t.timing.slow_p50)));
    }
    Verdict::pass(why)
}

/// Nearest-rank percentile of sorted values.
pub(crate) fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    if d >= Duration::from_secs(10) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let ms = |v: &[u64]| v.iter().map(|&x| Duration::from_millis(x)).collect::<Vec<_>>();
        let five = ms(&[10, 20, 30, 40, 50]);
        assert_eq!(percentile(&five, 50), Duration::from_millis(30));
        assert_eq!(percentile(&five, 99), Duration::from_millis(50));
        let hundred: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&hundred, 99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }

    #[test]
    fn content_types() {
        let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><x/>";
        assert_eq!(judge_content_type(Some("text/xml; charset=utf-8"), body).status, Status::Pass);
        assert_eq!(judge_content_type(Some("text/xml;charset=\"UTF-8\""), body).status, Status::Pass);
        assert_eq!(judge_content_type(Some("text/xml"), body).status, Status::Warn);
        assert_eq!(judge_content_type(Some("application/soap+xml; charset=utf-8"), body).status, Status::Fail);
        assert_eq!(judge_content_type(Some("text/xml; charset=iso-8859-1"), body).status, Status::Fail);
        assert_eq!(judge_content_type(Some("text/html"), body).status, Status::Fail);
        assert_eq!(judge_content_type(None, body).status, Status::Fail);
        let latin = b"<?xml version='1.0' encoding='ISO-8859-1'?><x/>";
        assert_eq!(judge_content_type(Some("text/xml; charset=utf-8"), latin).status, Status::Fail);
    }
}
