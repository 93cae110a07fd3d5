//! The UWLR server a LAS vendor embeds: SOAP 1.1 dispatch with the UWLR check order
//! (`dispatch`) over a data provider it implements (`provider`).

pub mod dispatch;
pub mod provider;

pub use dispatch::{fault_response, handle, handle_with_injection, DispatchOptions, Outcome, SoapResponse};
pub use provider::{ongeldige_school, Injected, LasProvider};
