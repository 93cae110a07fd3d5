//! # uwlr-gateway
//!
//! A gateway for UWLR 2.3, the Dutch standard for pulling pupil data out of a school's
//! administration system (LAS) and pushing test results back.
//!
//! ## Map of the crate
//!
//! - [`xml`]: the codec foundation. A namespace-aware streaming reader over quick-xml with
//!   limits (size, depth, element count, text length), no DTDs, strict and lenient modes,
//!   and diagnostics that name the element path and line:column; a deterministic streaming
//!   writer.
//! - [`message`]: every UWLR message kind, each owning its model and its XML reading and
//!   writing: [`message::autorisatie`] (the SOAP header), [`message::leerlinggegevens`]
//!   (pupil data, alles-in-een and getrapt), [`message::leerresultaten`] (results), and
//!   [`message::fault`] (the eleven UWLR fault codes). [`message::decode`] and
//!   [`message::encode`] are the entry points; bytes flow in, a [`message::Body`] flows
//!   out, and back. The data-minimisation profiles (Smalle set, LVS-set) are checks over
//!   a decoded answer beside the message they judge (`message::leerlinggegevens`).
//! - [`generate`]: deterministic synthetic schools and results for tests, demos and
//!   benchmarks.
//! - [`server`]: the UWLR server a LAS embeds: dispatch with the UWLR check order over a
//!   [`server::LasProvider`], served over HTTP(S) with limits ([`server::serve`]) under the
//!   connection policy every listener we run shares ([`server::listener`]).
//! - [`client`]: the SOAP client the gateway uses to call a LAS (retries, TLS with client
//!   certificates, size caps, redacted capture).
//! - [`conformance`]: the suite a LAS vendor points at its own endpoint: named checks (WSDL,
//!   strict answers, every fault code and the check order, delta, getrapt, results, TLS and
//!   timing), reported as a table, JUnit XML and JSON.
//! - [`mock`]: test doubles of the other side: a mock LAS (ParnasSys / ESIS key
//!   handshake, change tracking, received results, fault injection) and a mock results
//!   dashboard (SchoolKr8 / Focus PO), each with a JSON admin API.
//! - [`gateway`]: the test platform's side of the link, as one value to embed: koppelingen,
//!   imports, results delivery, the archive and the school-year transition, over the
//!   [`store`], with keys in the [`vault`]; the rules it follows are pure modules:
//!   [`koppeling`] (the lifecycle), [`import`] (the proposal), [`results`] (the messages),
//!   [`school_year`] (the calendar of the transition), and [`notify`] renders its mails.
//! - [`location`]: a school location (BRIN + dependance, or a schoolkey), parsed once where
//!   it comes in.
//! - [`free_text`]: text people type, refused with control characters where it comes in
//!   and escaped wherever it is printed.
//! - [`redact`]: secrets taken out of text before it is shown: a key raw or escaped, the
//!   `autorisatiesleutel` element, a URL's password.
//! - [`private`]: files we write (database, keys, token, mail) 0600 in folders 0700,
//!   whatever the umask.
//! - [`metrics`]: Prometheus metrics of the UWLR server, fetches and deliveries, and the
//!   store's gauges, served by `uwlr serve` at `/metrics` behind the admin token.
//! - [`api`]: the gateway's admin API, JSON over HTTP behind a bearer token (axum).
//! - [`console`]: the admin console, HTML pages for school admins and support served beside
//!   the API: accounts with roles, argon2id passwords, sessions in the store, CSRF on every
//!   form, the sign-in throttle.
//! - [`cli`]: every command of the binary: the gateway's (`koppeling`, `school`, `import`,
//!   `results`, `mail`, `account`, `serve`: clap arguments, one [`gateway::Gateway`] call
//!   each, tables or JSON, exit codes), and `demo`, `simulate`, `validate`, `generate`,
//!   `mock-las`, `mock-dashboard`, `conformance`.
//! - [`simulate`]: `uwlr simulate`, one night for N schools on loopback (mock LAS servers,
//!   in-process gateway instances on one store) with its timings and its checks that
//!   nothing was lost or doubled.
//! - `src/main.rs`: the thin `uwlr` binary: parses the command line and dispatches to [`cli`].
//!
//! ## Features
//!
//! The codec ([`xml`], [`message`], [`generate`]), [`server`], [`client`] and
//! [`metrics`] always build: a LAS vendor takes the crate with `default-features = false`.
//! `gateway` (the store and everything over it, the admin API and console), `mock`,
//! `conformance` and `cli` (the binary's commands, `demo`, `simulate`) are features, all on
//! by default; docs/ARCHITECTURE.md has the table.
//!
//! The codec, server, client, import engine and results messages are values in, values
//! out. State lives in two places only: the gateway's database ([`store`], behind
//! [`gateway::Gateway`]) and the mocks' in-memory test state.

// No `unsafe` in the library, and no module may opt in (Cargo.toml's `[lints]` denies it
// everywhere; the tests allow it where they call libc).
#![forbid(unsafe_code)]

// Always built: the codec, the UWLR server a LAS embeds, the client (and its redaction),
// the metrics.
pub mod client;
pub mod generate;
pub mod message;
pub mod metrics;
pub mod redact;
pub mod server;
pub mod xml;

// Shared by the features that run the other side or the clock.
#[cfg(any(feature = "gateway", feature = "mock", feature = "conformance"))]
pub mod clock;
#[cfg(any(feature = "gateway", feature = "mock"))]
pub mod koppeling;
#[cfg(any(feature = "gateway", feature = "mock"))]
pub mod location;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "mock")]
pub mod mock;

#[cfg(feature = "gateway")]
pub mod api;
#[cfg(feature = "gateway")]
pub mod console;
#[cfg(feature = "gateway")]
pub mod free_text;
#[cfg(feature = "gateway")]
pub mod gateway;
#[cfg(feature = "gateway")]
pub mod import;
#[cfg(feature = "gateway")]
pub mod notify;
#[cfg(feature = "gateway")]
pub mod private;
#[cfg(feature = "gateway")]
pub mod results;
#[cfg(feature = "gateway")]
pub mod school_year;
#[cfg(feature = "gateway")]
pub mod store;
#[cfg(feature = "gateway")]
pub mod vault;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod demo;
#[cfg(feature = "cli")]
pub mod simulate;

pub use message::{decode, encode, encode_to_vec, Body, DecodeError, Decoded, EncodeError, EncodeOptions, Kind};
pub use xml::{DecodeOptions, Diagnostic, Limits, Mode, Profile};
