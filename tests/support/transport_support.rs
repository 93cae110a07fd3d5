//! Shared by the `transport_*` tests: a test PKI made at run time, a tiny LAS provider with
//! scripted fault injection, and request helpers. Everything listens on 127.0.0.1 only.
#![allow(dead_code)]

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uwlr::generate::{self, SchoolSpec};
use uwlr::message::fault::Fault;
use uwlr::message::leerlinggegevens::{Antwoord, Leerlinggegevens, LeerlinggegevensAntwoord, Verzoek};
use uwlr::message::leerresultaten::LeerresultatenVerzoek;
use uwlr::message::values::{SchoolId, Schooljaar};
use uwlr::message::{Autorisatie, Body, EncodeOptions, Kind};
use uwlr::server::{serve, Injected, LasProvider, RunningServer, ServerConfig, TlsConfig};

pub const KEY: &str = "sleutel-GEHEIM-7f3a9c21";
pub const KLANTCODE: &str = "TP01";
pub const KLANTNAAM: &str = "Toetsplatform Test";

pub fn auth() -> Autorisatie {
    Autorisatie { autorisatiesleutel: KEY.into(), klantcode: KLANTCODE.into(), klantnaam: KLANTNAAM.into() }
}

pub fn verzoek() -> Verzoek {
    Verzoek {
        schooljaar: Schooljaar::new(2025).unwrap(),
        school: SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) },
        xsdversie: "2.3".into(),
        gegevenssetid: None,
        laatstontvangengegevens: None,
    }
}

/// A LAS with one school, one klant and one key, whose `intercept` plays a script.
pub struct TestLas {
    pub data: Leerlinggegevens,
    /// Played front to back, one entry per intercepted request; empty = normal handling.
    pub script: Mutex<VecDeque<Injected>>,
    /// Requests that reached `intercept` (every decodable request).
    pub requests: AtomicUsize,
    pub results_received: AtomicUsize,
    pub results_fault: Mutex<Option<Fault>>,
}

impl TestLas {
    pub fn new(pupils: usize) -> Arc<TestLas> {
        Arc::new(TestLas {
            data: generate::school(&SchoolSpec { pupils, ..Default::default() }),
            script: Mutex::new(VecDeque::new()),
            requests: AtomicUsize::new(0),
            results_received: AtomicUsize::new(0),
            results_fault: Mutex::new(None),
        })
    }

    pub fn script(&self, steps: impl IntoIterator<Item = Injected>) {
        self.script.lock().unwrap().extend(steps);
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn results(&self) -> LeerresultatenVerzoek {
        generate::results(&self.data, &generate::ResultsSpec { max_pupils: Some(5), ..Default::default() })
    }
}

impl LasProvider for TestLas {
    async fn klant(&self, klantcode: &str, klantnaam: &str) -> bool {
        klantcode == KLANTCODE && klantnaam == KLANTNAAM
    }

    async fn autoriseer(&self, auth: &Autorisatie, school: &SchoolId) -> bool {
        auth.autorisatiesleutel == KEY && matches!(school, SchoolId::Brin { brincode, .. } if brincode == "99DE")
    }

    async fn leerlinggegevens(&self, _req: &Verzoek) -> Result<LeerlinggegevensAntwoord, Fault> {
        Ok(Antwoord::Gegevens(self.data.clone()))
    }

    async fn leerresultaten(&self, _auth: &Autorisatie, _req: &LeerresultatenVerzoek) -> Result<(), Fault> {
        if let Some(f) = self.results_fault.lock().unwrap().clone() {
            return Err(f);
        }
        self.results_received.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn intercept(&self, _kind: Kind) -> Option<Injected> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.script.lock().unwrap().pop_front()
    }
}

pub async fn start(las: &Arc<TestLas>, config: ServerConfig) -> RunningServer {
    let listener = uwlr::server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    serve(las.clone(), listener, config).await.unwrap()
}

/// A test CA with a server certificate for 127.0.0.1/localhost and a client certificate.
pub struct Pki {
    pub ca_pem: Vec<u8>,
    pub server: TlsConfig,
    /// Client certificate + key, one PEM.
    pub client_identity_pem: Vec<u8>,
}

pub fn ca(name: &str) -> (CertificateParams, KeyPair, String) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    (params, key, pem)
}

pub fn leaf(issuer: &Issuer<'_, &KeyPair>, names: &[&str], eku: ExtendedKeyUsagePurpose) -> (String, String) {
    let mut params = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.extended_key_usages = vec![eku];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

pub fn pki(require_client_cert: bool) -> Pki {
    let (ca_params, ca_key, ca_pem) = ca("UWLR test CA");
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let (server_cert, server_key) = leaf(&issuer, &["localhost", "127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    let (client_cert, client_key) = leaf(&issuer, &["toetsplatform.example"], ExtendedKeyUsagePurpose::ClientAuth);
    Pki {
        ca_pem: ca_pem.clone().into_bytes(),
        server: TlsConfig {
            cert_chain_pem: server_cert.into_bytes(),
            key_pem: server_key.into_bytes(),
            client_ca_pem: require_client_cert.then(|| ca_pem.into_bytes()),
        },
        client_identity_pem: format!("{client_cert}{client_key}").into_bytes(),
    }
}

/// A complete enveloped request body.
pub fn request_bytes(body: &Body, auth: &Autorisatie) -> Vec<u8> {
    uwlr::encode_to_vec(body, Some(auth), &EncodeOptions { envelope: true, indent: false, declaration: true }).unwrap()
}

/// One raw HTTP/1.1 request with `Connection: close`; returns status and body.
pub async fn raw_post(addr: std::net::SocketAddr, headers: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /uwlr HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    read_response(&mut s).await
}

/// Reads until EOF and splits off the status; (0, []) when nothing came.
pub async fn read_response(s: &mut TcpStream) -> (u16, Vec<u8>) {
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
    parse_response(&buf)
}

pub fn parse_response(buf: &[u8]) -> (u16, Vec<u8>) {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { return (0, Vec::new()) };
    let head = String::from_utf8_lossy(&buf[..end]);
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, buf[end + 4..].to_vec())
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}
