//! A look at the TLS of an endpoint that the HTTP client hides: the negotiated version
//! and cipher suite, the certificate chain as sent, whether a client certificate was
//! asked for. The handshake here records the chain and accepts it, so that it can be
//! described even when it is wrong; whether it is *trusted* is decided by the HTTP
//! client's own handshake (platform roots plus `--ca`), in `transport::tls`. Nothing but
//! a `HEAD ?wsdl` is sent over these connections.

use chrono::{NaiveDate, NaiveDateTime};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, SignatureScheme, SupportedProtocolVersion};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What one handshake showed.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// `TLS 1.3`, `TLS 1.2`.
    pub version: String,
    pub suite: String,
    /// Leaf first, as the server sent it.
    pub chain: Vec<CertificateDer<'static>>,
    pub client_cert_asked: bool,
}

/// Which versions to offer.
pub(crate) fn versions(which: &str) -> &'static [&'static SupportedProtocolVersion] {
    static TLS12: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
    static TLS13: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    match which {
        "1.2" => &TLS12,
        "1.3" => &TLS13,
        _ => rustls::ALL_VERSIONS,
    }
}

/// The client identity PEM as rustls wants it.
pub(crate) fn identity(pem: &[u8], provider: &CryptoProvider) -> Result<Arc<CertifiedKey>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--client-identity: unreadable PEM: {e}"))?;
    if certs.is_empty() {
        return Err("--client-identity: no CERTIFICATE block".into());
    }
    let key =
        PrivateKeyDer::from_pem_slice(pem).map_err(|e| format!("--client-identity: no usable private key: {e}"))?;
    CertifiedKey::from_der(certs, key, provider).map(Arc::new).map_err(|e| format!("--client-identity: {e}"))
}

/// One handshake with `host:port` offering `versions`, then `HEAD path?wsdl` so that a
/// server refusing our (missing) client certificate after a TLS 1.3 handshake says so.
pub(crate) async fn handshake(
    host: &str,
    port: u16,
    path: &str,
    versions: &'static [&'static SupportedProtocolVersion],
    client_identity_pem: Option<&[u8]>,
    timeout: Duration,
) -> Result<Seen, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let recorder =
        Arc::new(Recorder { chain: Mutex::new(Vec::new()), algs: provider.signature_verification_algorithms });
    let key = client_identity_pem.map(|p| identity(p, &provider)).transpose()?;
    let resolver = Arc::new(ClientCert { key, asked: AtomicBool::new(false) });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_client_cert_resolver(resolver.clone());
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from(host.to_string()).map_err(|e| format!("'{host}': {e}"))?;
    let work = async {
        let tcp = tokio::net::TcpStream::connect((host, port)).await.map_err(|e| format!("connect: {e}"))?;
        let mut tls = connector.connect(name, tcp).await.map_err(|e| format!("handshake: {e}"))?;
        let (_, conn) = tls.get_ref();
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_string(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_string(),
            Some(v) => format!("{v:?}"),
            None => "?".into(),
        };
        let suite = conn.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())).unwrap_or_default();
        let request = format!("HEAD {path}?wsdl HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        tls.write_all(request.as_bytes()).await.map_err(|e| format!("after the handshake: {e}"))?;
        // Only an error matters here (a refused client certificate arrives as an alert);
        // what the server makes of HEAD does not.
        let mut buf = [0u8; 64];
        tls.read(&mut buf).await.map_err(|e| format!("after the handshake: {e}"))?;
        Ok::<_, String>((version, suite))
    };
    let (version, suite) = tokio::time::timeout(timeout, work).await.map_err(|_| "timed out".to_string())??;
    let chain = recorder.chain.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(Seen { version, suite, chain, client_cert_asked: resolver.asked.load(Ordering::SeqCst) })
}

/// Records the chain; trust is judged elsewhere. Handshake signatures are checked for real.
#[derive(Debug)]
struct Recorder {
    chain: Mutex<Vec<CertificateDer<'static>>>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect();
        *self.chain.lock().unwrap_or_else(|e| e.into_inner()) = chain;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// Presents our certificate (if any) and notes that the server asked for one.
#[derive(Debug)]
struct ClientCert {
    key: Option<Arc<CertifiedKey>>,
    asked: AtomicBool,
}

impl ResolvesClientCert for ClientCert {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.asked.store(true, Ordering::SeqCst);
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// The few fields of an X.509 certificate the report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertInfo {
    pub not_after: NaiveDateTime,
    /// Issuer equals subject.
    pub self_issued: bool,
}

/// Reads validity and issuer/subject from DER (`Certificate ::= SEQUENCE { tbsCertificate
/// SEQUENCE { [0] version?, serial, signature, issuer, validity { notBefore, notAfter },
/// subject, ... } ... }`). `None` for anything unexpected.
pub(crate) fn cert_info(der: &[u8]) -> Option<CertInfo> {
    let (cert, _) = tlv(der, 0x30)?;
    let (tbs, _) = tlv(cert, 0x30)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xA0) {
        rest = tlv(rest, 0xA0)?.1;
    }
    rest = tlv(rest, 0x02)?.1; // serialNumber
    rest = tlv(rest, 0x30)?.1; // signature
    let (issuer, r) = raw_tlv(rest, 0x30)?;
    let (validity, r) = tlv(r, 0x30)?;
    let (subject, _) = raw_tlv(r, 0x30)?;
    let (_, after) = any_tlv(validity)?;
    let (tag, not_after, _) = any_tlv_content(after)?;
    Some(CertInfo { not_after: time(tag, not_after)?, self_issued: issuer == subject })
}

/// (content, rest) of a TLV with this tag.
fn tlv(b: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = any_tlv_content(b)?;
    (t == tag).then_some((content, rest))
}

/// (whole encoding, rest) of a TLV with this tag.
fn raw_tlv(b: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, _, rest) = any_tlv_content(b)?;
    (t == tag).then_some((&b[..b.len() - rest.len()], rest))
}

fn any_tlv(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, c, rest) = any_tlv_content(b)?;
    Some((c, rest))
}

fn any_tlv_content(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, head) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = head.checked_add(len)?;
    Some((tag, b.get(head..end)?, &b[end..]))
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, v: &[u8]) -> Option<NaiveDateTime> {
    let s = std::str::from_utf8(v).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i32 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let n = |r: std::ops::Range<usize>| rest.get(r).and_then(|x| x.parse::<u32>().ok());
    NaiveDate::from_ymd_opt(year, n(0..2)?, n(2..4)?)?.and_hms_opt(n(4..6)?, n(6..8)?, n(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_times() {
        assert_eq!(time(0x17, b"491231235959Z").unwrap().to_string(), "2049-12-31 23:59:59");
        assert_eq!(time(0x17, b"500101000000Z").unwrap().to_string(), "1950-01-01 00:00:00");
        assert_eq!(time(0x18, b"21060101000000Z").unwrap().to_string(), "2106-01-01 00:00:00");
        assert!(time(0x18, b"2106").is_none());
        assert!(cert_info(b"\x30\x03\x02\x01\x00").is_none());
    }

    #[test]
    fn validity_and_self_issued_from_a_real_certificate() {
        let mut params = rcgen::CertificateParams::new(vec!["las.example".to_string()]).unwrap();
        params.not_after = rcgen::date_time_ymd(2031, 7, 15);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let info = cert_info(cert.der()).unwrap();
        assert_eq!(info.not_after.format("%Y-%m-%d").to_string(), "2031-07-15");
        assert!(info.self_issued);
    }
}
