//! The console in a real browser: Debian's headless Chromium driven over WebDriver
//! (chromedriver, started here with a fresh profile; nothing is downloaded). Support signs
//! in, opens the school's "Koppelen met LAS" page and approves its request; a school admin
//! sees the request form. Each page is screenshotted under `target/console-screenshots/`;
//! with `UWLR_UPDATE_SCREENSHOTS=1` they also replace the PNGs in `docs/console/` that
//! docs/console.md shows.
//!
//! Without chromium and chromedriver the test is skipped with a note, except under
//! `CI=true`, where that is a failure (`.ci/run` installs both from Debian's packages).

use crate::console::{start, A, ADMIN_B, SUPPORT};

use fantoccini::{ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uwlr::koppeling::Status;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free loopback port, killed (by its own pid) when dropped.
pub(crate) struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser's binaries, or why they are missing.
pub(crate) fn binaries() -> Result<(PathBuf, PathBuf), String> {
    let driver = std::env::var_os("UWLR_CHROMEDRIVER").map_or_else(|| PathBuf::from(CHROMEDRIVER), PathBuf::from);
    let browser = std::env::var_os("UWLR_CHROMIUM").map_or_else(|| PathBuf::from(CHROMIUM), PathBuf::from);
    for p in [&driver, &browser] {
        if !p.exists() {
            return Err(format!("{} is not installed (apt-get install chromium chromium-driver)", p.display()));
        }
    }
    Ok((driver, browser))
}

pub(crate) fn start_driver(driver: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, url: format!("http://127.0.0.1:{port}"), _profile: tempfile::tempdir().unwrap() }
}

pub(crate) async fn browser(driver: &Driver, chromium: &Path) -> fantoccini::Client {
    let profile = format!("--user-data-dir={}", driver._profile.path().display());
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,860",
        profile.as_str(),
    ];
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    let caps = caps.as_object().unwrap().clone();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(&driver.url).await.expect("a WebDriver session")
}

/// Saves a screenshot as `name.png` under target/, and under docs/console/ when asked.
pub(crate) async fn shoot(c: &fantoccini::Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    if std::env::var("UWLR_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        std::fs::write(root.join("docs/console").join(format!("{name}.png")), &png).unwrap();
    }
}

pub(crate) async fn text_of(c: &fantoccini::Client, css: &str) -> String {
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Waits until the browser shows `path` (path and query): a click on a submit button
/// returns before the next page has loaded.
pub(crate) async fn arrive(c: &fantoccini::Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = c.current_url().await.unwrap();
        let at = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        if at == path && c.find(Locator::Css("main")).await.is_ok() {
            return;
        }
        assert!(Instant::now() < deadline, "the browser stayed at {at}, expected {path}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_signs_in_and_approves_a_request_in_chromium() {
    let (driver, chromium) = match binaries() {
        Ok(b) => b,
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("the browser test needs Chromium under CI=true: {why}")
        }
        Err(why) => {
            eprintln!("note: browser test skipped: {why}");
            return;
        }
    };
    let env = start().await;
    let id = env.link(A, true).await;
    let driver = start_driver(&driver);
    let c = browser(&driver, &chromium).await;
    let base = env.api.base_url();

    // Signing in.
    c.goto(&format!("{base}/console/")).await.unwrap();
    arrive(&c, "/console/aanmelden").await;
    assert_eq!(text_of(&c, "h1").await, "Aanmelden");
    shoot(&c, "aanmelden").await;
    c.find(Locator::Id("email")).await.unwrap().send_keys(SUPPORT.0).await.unwrap();
    c.find(Locator::Id("wachtwoord")).await.unwrap().send_keys(SUPPORT.1).await.unwrap();
    c.find(Locator::XPath("//button[normalize-space()='AANMELDEN']")).await.unwrap().click().await.unwrap();

    // The overview: the school's request waits.
    arrive(&c, "/console/locaties").await;
    assert_eq!(text_of(&c, "h1").await, "Locaties");
    let row = text_of(&c, "tbody tr").await;
    assert!(row.contains("ParnasSys UWLR") && row.contains("Aangevraagd"), "{row}");
    shoot(&c, "locaties").await;

    // Koppelen met LAS: approve.
    c.find(Locator::Css(&format!("a[href='/console/locaties/{A}/koppelen']"))).await.unwrap().click().await.unwrap();
    arrive(&c, &format!("/console/locaties/{A}/koppelen")).await;
    assert!(text_of(&c, "h1").await.starts_with("Koppelen met LAS"));
    shoot(&c, "koppelen-aanvraag").await;
    let approve = format!("form[action='/console/koppelingen/{id}/goedkeuren'] button");
    c.find(Locator::Css(&approve)).await.unwrap().click().await.unwrap();
    arrive(&c, &format!("/console/locaties/{A}/koppelen?melding=goedgekeurd")).await;
    assert_eq!(text_of(&c, ".melding").await, "De aanvraag is goedgekeurd.");
    assert!(text_of(&c, ".feiten").await.contains("Actief"));
    shoot(&c, "koppelen-actief").await;
    let k = env.gw.koppeling(id).await.unwrap();
    assert_eq!(k.status, Status::Active);
    let trail = env.gw.audit_trail(A).await.unwrap();
    assert!(trail.iter().any(|a| a.action == "approve" && a.actor == SUPPORT.0), "{trail:?}");

    // Signing out, and a school admin's first visit: the request form.
    c.find(Locator::XPath("//button[normalize-space()='Afmelden']")).await.unwrap().click().await.unwrap();
    arrive(&c, "/console/aanmelden?melding=afgemeld").await;
    assert_eq!(text_of(&c, ".melding").await, "Je bent afgemeld.");
    c.find(Locator::Id("email")).await.unwrap().send_keys(ADMIN_B.0).await.unwrap();
    c.find(Locator::Id("wachtwoord")).await.unwrap().send_keys(ADMIN_B.1).await.unwrap();
    c.find(Locator::XPath("//button[normalize-space()='AANMELDEN']")).await.unwrap().click().await.unwrap();
    arrive(&c, "/console/locaties").await;
    assert_eq!(text_of(&c, "h1").await, "Locaties");
    let body = text_of(&c, "main").await;
    assert!(!body.contains(A), "school B sees nothing of A: {body}");
    c.find(Locator::Css("a.knop")).await.unwrap().click().await.unwrap();
    arrive(&c, &format!("/console/locaties/{}/koppelen", crate::console::B)).await;
    assert!(text_of(&c, "h2#aanvragen").await.contains("Koppeling aanvragen"));
    shoot(&c, "koppelen-aanvragen").await;

    c.close().await.unwrap();
    drop(driver);
    env.api.shutdown().await.unwrap();
}
