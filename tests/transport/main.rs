//! The SOAP transport and the mocks: client and server over loopback, every fault code,
//! the mock LAS and dashboard, their logs and their CLI.
//!
//! One test binary per folder, its test modules declared here, instead of one per file:
//! each test binary links the whole crate and its dependencies. Helpers shared between
//! binaries are in `tests/support/`.
// A test binary exports nothing: its helpers are `pub` for the sibling modules.
#![allow(unreachable_pub)]

#[path = "../support/log_capture.rs"]
mod log_capture;
#[path = "../support/mock_support.rs"]
mod mock_support;
#[path = "../support/transport_support.rs"]
mod transport_support;

mod acceptance_transport;
mod fault_codes;
mod hostile;
mod mock_cli;
mod mock_dashboard;
mod mock_http;
mod mock_las;
mod mock_logs;
mod transport_client;
mod transport_robustness;
