//! The codec and the `uwlr` binary's codec commands: round trips, snapshots, fixtures,
//! limits, partial decoding, XSD versions.
//!
//! One test binary per folder, its test modules declared here, instead of one per file:
//! each test binary links the whole crate and its dependencies. Helpers shared between
//! binaries are in `tests/support/`.
// A test binary exports nothing: its helpers are `pub` for the sibling modules.
#![allow(unreachable_pub)]

mod cli;
mod encode_async;
mod fixtures;
mod limits;
mod partial;
mod roundtrip;
mod snapshots;
mod xsd_versions;
