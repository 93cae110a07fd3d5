//! The conformance suite against our mock LAS, well-behaved and with injected faults.
//!
//! One test binary per folder, its test modules declared here, instead of one per file:
//! each test binary links the whole crate and its dependencies. Helpers shared between
//! binaries are in `tests/support/`.
// A test binary exports nothing: its helpers are `pub` for the sibling modules.
#![allow(unreachable_pub)]

#[path = "../support/conformance_support.rs"]
mod conformance_support;
#[path = "../support/mock_support.rs"]
mod mock_support;
#[path = "../support/transport_support.rs"]
mod transport_support;

mod conformance;
mod conformance_faults;
mod conformance_wsdl_address;
