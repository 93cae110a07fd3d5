//! Stopping a `uwlr serve` child the way a supervisor does (SIGTERM), shared by the CLI
//! tests that run the gateway process.
// libc calls (process groups, signals, umask) need `unsafe`; the library forbids it.
#![allow(unsafe_code)]
#![allow(dead_code)]

use std::io::Read;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// What a stopped `uwlr serve` left: its exit status and the rest of its output.
pub struct Stopped {
    pub status: ExitStatus,
    /// Standard output not read before the stop.
    pub out: String,
    pub err: String,
}

/// Sends SIGTERM and waits (at most 20 s) for the process to end; then reads what is left of
/// `stdout` (the part the test did not read yet) and all of standard error.
pub fn stop(child: &mut Child, stdout: &mut impl Read) -> Stopped {
    // SAFETY: a plain kill(2) of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "uwlr serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    stdout.read_to_string(&mut out).unwrap();
    let mut err = String::new();
    child.stderr.take().expect("stderr is piped").read_to_string(&mut err).unwrap();
    Stopped { status, out, err }
}
