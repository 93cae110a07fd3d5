//! The UWLR server a LAS vendor embeds: SOAP 1.1 dispatch with the UWLR check order
//! (`dispatch`) over a data provider it implements (`provider`), served over HTTP(S) with
//! limits (`http`, `tls`).

pub mod dispatch;
pub mod http;
pub mod provider;
pub mod tls;

pub use dispatch::{fault_response, handle, handle_with_injection, DispatchOptions, Outcome, SoapResponse};
pub use http::{bind, serve, RunningServer, ServerConfig, LISTEN_BACKLOG, SOAP_CONTENT_TYPE};
pub use provider::{ongeldige_school, Injected, LasProvider};
pub use tls::{TlsConfig, TlsConfigError};
