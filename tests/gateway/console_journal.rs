//! The exchange journal's console pages (Uitwisselingen): support sees a link's exchanges and
//! one exchange with its bodies (key masked); a school admin or teacher of the location is
//! refused (403), someone of another school finds nothing (404, nothing of it in the body),
//! anonymous goes to the sign-in. The pages change nothing, so there is no POST to refuse.

use crate::console::{start, Env, A, ADMIN_A, ADMIN_B, B, SUPPORT, TEACHER_A};
use crate::store_support::no_progress;
use std::collections::BTreeSet;
use uwlr::store::journal::Filter;

pub const MATRIX_ROUTES: &[(&str, &str)] =
    &[("GET", "/console/koppelingen/{id}/uitwisselingen"), ("GET", "/console/uitwisselingen/{id}")];

/// An active link of `location` with one fetch journaled; (link, exchange, key).
async fn fetched(env: &Env, location: &str) -> (i64, i64, String) {
    let key = env.las.issue_key(location).await;
    let req = uwlr::gateway::koppelingen::KoppelingRequest {
        location: location.into(),
        schooljaar: crate::store_support::SCHOOLJAAR.into(),
        kind: uwlr::koppeling::Kind::Parnassys,
        endpoint: Some(env.las.endpoint.clone()),
        key: Some(key.clone()),
        reason: None,
    };
    let link = env.gw.request_koppeling(&req, "setup").await.unwrap().id;
    env.gw.approve_koppeling(link, "setup", None).await.unwrap();
    env.gw.fetch(link, false, "setup", &no_progress()).await.unwrap();
    let e = env.gw.exchanges(&Filter { koppeling_id: Some(link), ..Default::default() }).await.unwrap()[0].id;
    (link, e, key)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    TeacherA,
    AdminA,
    AdminB,
    Support,
}

#[tokio::test]
async fn only_support_sees_a_links_exchanges() {
    let env = start().await;
    let (link_a, ex_a, key_a) = fetched(&env, A).await;
    let (link_b, ex_b, key_b) = fetched(&env, B).await;
    let mut covered = BTreeSet::new();
    for who in [Who::Anonymous, Who::TeacherA, Who::AdminA, Who::AdminB, Who::Support] {
        let mut c = match who {
            Who::Anonymous => env.client("127.0.0.1"),
            Who::TeacherA => env.signed_in(TEACHER_A).await,
            Who::AdminA => env.signed_in(ADMIN_A).await,
            Who::AdminB => env.signed_in(ADMIN_B).await,
            Who::Support => env.signed_in(SUPPORT).await,
        };
        for (loc, link, ex) in [(A, link_a, ex_a), (B, link_b, ex_b)] {
            for (route, path) in [
                (MATRIX_ROUTES[0], format!("/console/koppelingen/{link}/uitwisselingen")),
                (MATRIX_ROUTES[1], format!("/console/uitwisselingen/{ex}")),
            ] {
                covered.insert(route);
                let page = c.get(&path).await;
                let sees = match who {
                    Who::Anonymous => false,
                    Who::TeacherA | Who::AdminA => loc == A,
                    Who::AdminB => loc == B,
                    Who::Support => true,
                };
                let expected = match who {
                    Who::Anonymous => 303,
                    Who::Support => 200,
                    _ if sees => 403,
                    _ => 404,
                };
                assert_eq!(page.status, expected, "{who:?} {path}: {}", page.body);
                if expected == 200 {
                    assert!(page.body.contains("HaalLeerlinggegevens"), "{who:?} {path}: {}", page.body);
                } else {
                    assert!(!page.body.contains(loc) && !page.body.contains("HaalLeerlinggegevens"), "{who:?} {path}");
                }
            }
        }
        // No page shows a key, whoever asks.
        let seen = c.seen.lock().unwrap().clone();
        assert!(!seen.contains(&key_a) && !seen.contains(&key_b), "{who:?}");
    }
    let support = env.signed_in(SUPPORT).await.get(&format!("/console/uitwisselingen/{ex_a}")).await;
    assert!(support.body.contains("leerlinggegevens_antwoord") && support.body.contains("***REDACTED***"));
    assert_eq!(covered, MATRIX_ROUTES.iter().copied().collect::<BTreeSet<_>>());
    env.api.shutdown().await.unwrap();
}

/// Support opens a link's exchanges and one exchange in Chromium (screenshots
/// `uitwisselingen` and `uitwisseling` for docs/console.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_reads_an_exchange_in_chromium() {
    use crate::console_browser::{arrive, binaries, browser, shoot, start_driver, text_of};
    use fantoccini::Locator;
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
    let (link, ex, _) = fetched(&env, A).await;
    let driver = start_driver(&driver);
    let c = browser(&driver, &chromium).await;
    let base = env.api.base_url();
    c.goto(&format!("{base}/console/aanmelden")).await.unwrap();
    c.find(Locator::Id("email")).await.unwrap().send_keys(SUPPORT.0).await.unwrap();
    c.find(Locator::Id("wachtwoord")).await.unwrap().send_keys(SUPPORT.1).await.unwrap();
    c.find(Locator::XPath("//button[normalize-space()='AANMELDEN']")).await.unwrap().click().await.unwrap();
    arrive(&c, "/console/locaties").await;

    c.goto(&format!("{base}/console/locaties/{A}/koppelen")).await.unwrap();
    arrive(&c, &format!("/console/locaties/{A}/koppelen")).await;
    let list = format!("/console/koppelingen/{link}/uitwisselingen");
    c.find(Locator::Css(&format!("a[href='{list}']"))).await.unwrap().click().await.unwrap();
    arrive(&c, &list).await;
    assert!(text_of(&c, "tbody tr").await.contains("HaalLeerlinggegevens"));
    shoot(&c, "uitwisselingen").await;
    c.find(Locator::Css(&format!("a[href='/console/uitwisselingen/{ex}']"))).await.unwrap().click().await.unwrap();
    arrive(&c, &format!("/console/uitwisselingen/{ex}")).await;
    assert!(text_of(&c, "pre.bericht").await.contains("***REDACTED***"));
    shoot(&c, "uitwisseling").await;
    c.close().await.unwrap();
    env.api.shutdown().await.unwrap();
}
