//! TLS for the server: a rustls `ServerConfig` built explicitly on the aws-lc-rs provider,
//! from PEM, with an optional *required* client certificate verified against a CA (ESIS and
//! other LAS links authenticate the calling system that way).
//!
//! Nothing here logs key material; handshake failures are logged by the HTTP layer at
//! debug level with the peer address and rustls' description of the failure.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use std::fmt;
use std::sync::Arc;

/// Certificates and key for a TLS listener, all PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// The server certificate first, then any intermediates.
    pub cert_chain_pem: Vec<u8>,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: Vec<u8>,
    /// `Some`: every client must present a certificate that chains to one of these CA
    /// certificates, or the handshake fails. `None`: no client certificate is asked for.
    pub client_ca_pem: Option<Vec<u8>>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("cert_chain_pem", &format_args!("{} bytes", self.cert_chain_pem.len()))
            .field("key_pem", &"<redacted>")
            .field("client_ca_pem", &self.client_ca_pem.as_ref().map(|c| format!("{} bytes", c.len())))
            .finish()
    }
}

/// Why a `TlsConfig` cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("TLS configuration: {0}")]
pub struct TlsConfigError(pub String);

impl From<TlsConfigError> for std::io::Error {
    fn from(e: TlsConfigError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
    }
}

/// Reads every certificate in a PEM buffer; an empty result is an error.
pub fn certificates_from_pem(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsConfigError(format!("{what}: unreadable PEM: {e}")))?;
    if certs.is_empty() {
        return Err(TlsConfigError(format!("{what}: no CERTIFICATE block in the PEM")));
    }
    Ok(certs)
}

/// The rustls server configuration for `tls`: aws-lc-rs, TLS 1.2 and 1.3, ALPN `http/1.1`.
pub fn server_config(tls: &TlsConfig) -> Result<Arc<rustls::ServerConfig>, TlsConfigError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain = certificates_from_pem(&tls.cert_chain_pem, "cert_chain_pem")?;
    // The error text of the PEM reader never quotes the key.
    let key = PrivateKeyDer::from_pem_slice(&tls.key_pem)
        .map_err(|e| TlsConfigError(format!("key_pem: no usable private key: {e}")))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError(e.to_string()))?;
    let builder = match &tls.client_ca_pem {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in certificates_from_pem(ca, "client_ca_pem")? {
                roots.add(c).map_err(|e| TlsConfigError(format!("client_ca_pem: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsConfigError(format!("client_ca_pem: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| TlsConfigError(format!("certificate and key do not form a usable pair: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
