//! The UWLR server a LAS vendor embeds: SOAP 1.1 dispatch with the UWLR check order
//! (`dispatch`) over a data provider it implements (`provider`), served over HTTP(S) with
//! limits (`http`, `tls`), under the connection policy every listener we run shares
//! (`listener`). What it serves can be journaled by a hook the embedder sets (`capture`,
//! off by default).

pub mod capture;
pub mod dispatch;
pub mod http;
pub mod listener;
pub mod provider;
pub mod tls;

pub use capture::{Served, ServedCapture};
pub use dispatch::{fault_response, handle, handle_with_injection, DispatchOptions, Outcome, SoapResponse};
pub use http::{serve, ServerConfig, SOAP_CONTENT_TYPE};
pub use listener::{bind, ConnectionPolicy, RunningServer, LISTEN_BACKLOG};
pub use provider::{ongeldige_school, Injected, LasProvider};
pub use tls::{TlsConfig, TlsConfigError};
