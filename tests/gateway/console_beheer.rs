//! The console's management pages of a location (src/console/beheer.rs) over real loopback
//! HTTP on SQLite: the authorization matrix over their routes (anonymous, teacher A, admin
//! A, admin B, support; CSRF on every form), and each action done as a school admin would:
//! archive, reactivate and delete with and without the right phrase, prepare the next
//! school year inside and outside its window, retry one delivery error and all of them,
//! "Boom wijzigingen verwerken" of a dashboard, "Verwijder nummers" with its warning.

use crate::console::{start, Env, A, ADMIN_A, ADMIN_B, B, SUPPORT, TEACHER_A};
use crate::store_support::{no_progress, SCHOOLJAAR};

use chrono::{Duration, NaiveDate};
use std::collections::BTreeSet;
use uwlr::clock::Clock;
use uwlr::gateway::delivery::DeliverOptions;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::results::{NewResult, Scores};

/// The routes [`the_authorization_matrix_over_the_beheer_pages`] exercises.
pub const MATRIX_ROUTES: &[(&str, &str)] = &[
    ("GET", "/console/locaties/{location}/gedeactiveerd"),
    ("POST", "/console/locaties/{location}/deactiveren"),
    ("POST", "/console/locaties/{location}/heractiveren"),
    ("POST", "/console/locaties/{location}/verwijderen"),
    ("GET", "/console/locaties/{location}/schooljaar"),
    ("POST", "/console/locaties/{location}/schooljaar"),
    ("GET", "/console/locaties/{location}/resultaten"),
    ("POST", "/console/koppelingen/{id}/opnieuw-aanbieden"),
    ("POST", "/console/koppelingen/{id}/wijzigingen-verwerken"),
    ("POST", "/console/locaties/{location}/nummers-verwijderen"),
];

/// School A with an active ParnasSys link and its first import applied (by "setup").
pub async fn imported_a(env: &Env) -> i64 {
    let id = env.link(A, true).await;
    env.gw.approve_koppeling(id, "setup", None).await.unwrap();
    let out = env.gw.fetch(id, false, "setup", &no_progress()).await.unwrap();
    env.gw.apply_proposal(out.proposal_id, "setup", ApplyOptions::default()).await.unwrap();
    id
}

/// Two of A's pupils left the LAS, every pupil got a result, one delivery run: two
/// delivery errors ("pupil number not found"), the others delivered.
pub async fn two_delivery_errors(env: &Env, link: i64) {
    for gone in env.las.las.leerlingen(A).await.unwrap().iter().take(2) {
        env.las.las.remove_leerling(A, gone.key.as_deref().unwrap()).await.unwrap();
    }
    env.clock.advance(Duration::minutes(1));
    for l in env.gw.records(A).await.unwrap().leerlingen {
        let r = NewResult {
            leerling_id: l.id,
            toetscode: "REK".into(),
            toetsonderdeel: None,
            afname: "s1".into(),
            afnamedatum: NaiveDate::from_ymd_opt(2025, 9, 20).unwrap(),
            scores: Scores::Raw { score: 12 },
            normed_at: env.clock.now(),
        };
        env.gw.record_result(&r, "platform").await.unwrap();
    }
    let opts = DeliverOptions { koppeling: Some(link), ..Default::default() };
    let report = env.gw.deliver(&opts).await.unwrap();
    assert_eq!(report.refused, 2, "{report:?}");
}

/// The deactivated pupils' ids and the number of deactivated groups of A.
async fn gone(gw: &uwlr::gateway::Gateway) -> (Vec<String>, usize) {
    let d = gw.deactivated(A).await.unwrap();
    (d.leerlingen.iter().map(|l| l.id.to_string()).collect(), d.groepen.len())
}

/// A form of the matrix: its route, the path filled in, its fields (without `csrf`).
type Post<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    TeacherA,
    AdminA,
    AdminB,
    Support,
}

#[tokio::test]
async fn the_authorization_matrix_over_the_beheer_pages() {
    let env = start().await;
    let link_a = imported_a(&env).await;
    let link_b = env.link(B, false).await;
    let pupils_a: Vec<String> = env
        .gw
        .records(A)
        .await
        .unwrap()
        .leerlingen
        .iter()
        .filter_map(|l| l.achternaam.clone())
        .filter(|n| n.len() > 3)
        .collect();
    assert!(!pupils_a.is_empty());
    let (pupil, groep) = {
        let r = env.gw.records(A).await.unwrap();
        (r.leerlingen[0].id.to_string(), r.groepen[0].id.to_string())
    };
    let before = (env.gw.records(A).await.unwrap(), env.gw.koppelingen(None).await.unwrap());

    let mut covered = BTreeSet::new();
    for who in [Who::Anonymous, Who::TeacherA, Who::AdminA, Who::AdminB, Who::Support] {
        let mut c = match who {
            Who::Anonymous => env.client("127.0.0.1"),
            Who::TeacherA => env.signed_in(TEACHER_A).await,
            Who::AdminA => env.signed_in(ADMIN_A).await,
            Who::AdminB => env.signed_in(ADMIN_B).await,
            Who::Support => env.signed_in(SUPPORT).await,
        };
        for loc in [A, B] {
            let id = if loc == A { link_a } else { link_b };
            let sees = match who {
                Who::Anonymous => false,
                Who::TeacherA | Who::AdminA => loc == A,
                Who::AdminB => loc == B,
                Who::Support => true,
            };
            let nothing_of = |body: &str| {
                assert!(!body.contains(loc), "{who:?}: the refusal names {loc}: {body}");
                assert!(!body.contains(&format!("/koppelingen/{id}/")), "{who:?}: names link {id}");
                for p in &pupils_a {
                    assert!(!body.contains(p.as_str()), "{who:?}: the refusal names pupil {p}");
                }
            };
            for page in ["gedeactiveerd", "schooljaar", "resultaten"] {
                covered.insert(("GET", format!("/console/locaties/{{location}}/{page}")));
                let r = c.get(&format!("/console/locaties/{loc}/{page}")).await;
                match who {
                    Who::Anonymous => assert_eq!(r.location.as_deref(), Some("/console/aanmelden"), "{page}"),
                    _ if !sees => {
                        assert_eq!(r.status, 404, "{who:?} {loc} {page}");
                        nothing_of(&r.body);
                    }
                    Who::TeacherA => {
                        assert_eq!(r.status, 403, "a teacher does not manage: {page}");
                        for p in &pupils_a {
                            assert!(!r.body.contains(p.as_str()), "a teacher sees no pupil on {page}");
                        }
                    }
                    _ => {
                        assert_eq!(r.status, 200, "{who:?} {loc} {page}: {}", r.body);
                        assert!(r.body.contains(&format!("/console/locaties/{loc}/gedeactiveerd")));
                    }
                }
            }
            if who == Who::AdminA && loc == A {
                let page = c.get(&format!("/console/locaties/{A}/gedeactiveerd")).await;
                assert!(pupils_a.iter().all(|p| page.body.contains(p.as_str())), "admin A sees A's pupils");
            }

            let on_link = |action: &str| format!("/console/koppelingen/{id}/{action}");
            let on_loc = |action: &str| format!("/console/locaties/{loc}/{action}");
            let posts: Vec<Post<'_>> = vec![
                (
                    "/console/locaties/{location}/deactiveren",
                    on_loc("deactiveren"),
                    vec![("tab", "leerlingen"), ("id", &pupil)],
                ),
                (
                    "/console/locaties/{location}/heractiveren",
                    on_loc("heractiveren"),
                    vec![("tab", "groepen"), ("id", &groep)],
                ),
                (
                    "/console/locaties/{location}/verwijderen",
                    on_loc("verwijderen"),
                    vec![("tab", "leerlingen"), ("id", &pupil), ("bevestiging", "DELETE 1 leerlingen OF 99DE00")],
                ),
                ("/console/locaties/{location}/schooljaar", on_loc("schooljaar"), vec![]),
                ("/console/koppelingen/{id}/opnieuw-aanbieden", on_link("opnieuw-aanbieden"), vec![]),
                (
                    "/console/koppelingen/{id}/wijzigingen-verwerken",
                    on_link("wijzigingen-verwerken"),
                    vec![("aan", "ja")],
                ),
                (
                    "/console/locaties/{location}/nummers-verwijderen",
                    on_loc("nummers-verwijderen"),
                    vec![("bevestig", "ja")],
                ),
            ];
            for (route, path, fields) in &posts {
                covered.insert(("POST", route.to_string()));
                let expect = if who == Who::Anonymous { 401 } else { 403 };
                let bare = c.post(path, fields).await;
                assert_eq!(bare.status, expect, "{who:?} POST {path} without CSRF");
                let mut forged = vec![("csrf", "0".repeat(64))];
                forged.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
                let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
                assert_eq!(c.post(path, &forged).await.status, expect, "{who:?} POST {path} with a forged CSRF");
                if who == Who::Anonymous {
                    continue;
                }
                // With a valid token: another school's location or link is not found, a
                // teacher is forbidden. What an admin may do is done in the tests below.
                if !sees {
                    let r = c.submit(path, fields).await;
                    assert_eq!(r.status, 404, "{who:?} POST {path}");
                    nothing_of(&r.body);
                } else if who == Who::TeacherA {
                    assert_eq!(c.submit(path, fields).await.status, 403, "{who:?} POST {path}");
                }
            }
        }
    }

    let mine: BTreeSet<(&str, String)> = MATRIX_ROUTES.iter().map(|(m, p)| (*m, p.to_string())).collect();
    assert_eq!(covered, mine, "the matrix exercised exactly its routes");
    // Nothing changed, and nobody but the setup is in the trail.
    let after = (env.gw.records(A).await.unwrap(), env.gw.koppelingen(None).await.unwrap());
    assert_eq!(before, after);
    for loc in [A, B] {
        let trail = env.gw.audit_trail(loc).await.unwrap();
        assert!(trail.iter().all(|a| a.actor == "setup" || a.actor == "test"), "{trail:?}");
    }
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_admin_archives_reactivates_and_deletes_for_good_only_with_the_typed_phrase() {
    let env = start().await;
    imported_a(&env).await;
    let mut admin = env.signed_in(ADMIN_A).await;
    let records = env.gw.records(A).await.unwrap();
    let p: Vec<String> = records.leerlingen.iter().map(|l| l.id.to_string()).collect();
    let page = format!("/console/locaties/{A}/gedeactiveerd");
    let r = admin.get(&page).await;
    assert!(r.body.contains("Actieve leerlingen") && r.body.contains("Geen gedeactiveerde leerlingen"), "{}", r.body);

    // Archive two in bulk; nothing checked is a clear refusal.
    let r = admin.submit(&format!("/console/locaties/{A}/deactiveren"), &[("tab", "leerlingen")]).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Vink eerst de leerlingen aan"), "{}", r.body);
    let fields = [("tab", "leerlingen"), ("id", p[0].as_str()), ("id", p[1].as_str()), ("reden", "verhuisd")];
    let r = admin.submit(&format!("/console/locaties/{A}/deactiveren"), &fields).await;
    assert_eq!((r.status, r.location.clone()), (303, Some(format!("{page}?melding=gedeactiveerd"))), "{}", r.body);
    let shown = admin.get(r.location.as_deref().unwrap()).await;
    assert!(shown.body.contains("De selectie is gedeactiveerd"));
    assert_eq!(gone(&env.gw).await.0, vec![p[0].clone(), p[1].clone()]);

    // Reactivate one.
    let r = admin.submit(&format!("/console/locaties/{A}/heractiveren"), &[("tab", "leerlingen"), ("id", &p[1])]).await;
    assert_eq!(r.location, Some(format!("{page}?melding=geheractiveerd")));
    assert_eq!(gone(&env.gw).await.0, vec![p[0].clone()]);

    // Delete: first the confirmation (nothing changes), then a wrong phrase, then the right one.
    let del = format!("/console/locaties/{A}/verwijderen");
    let phrase = "DELETE 1 leerlingen OF 99DE00";
    let r = admin.submit(&del, &[("tab", "leerlingen"), ("id", &p[0])]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(phrase) && r.body.contains("nooit meer terug te halen"), "{}", r.body);
    assert_eq!(gone(&env.gw).await.0, vec![p[0].clone()]);
    let r = admin.submit(&del, &[("tab", "leerlingen"), ("id", &p[0]), ("bevestiging", "ja")]).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains(phrase) && r.body.contains("cannot be undone"), "{}", r.body);
    assert_eq!(gone(&env.gw).await.0, vec![p[0].clone()], "a wrong phrase deletes nothing");
    // An active pupil is not deleted, phrase or not.
    let r = admin.submit(&del, &[("tab", "leerlingen"), ("id", &p[1]), ("bevestiging", phrase)]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("still active"));
    let r = admin.submit(&del, &[("tab", "leerlingen"), ("id", &p[0]), ("bevestiging", phrase)]).await;
    assert_eq!(r.location, Some(format!("{page}?melding=verwijderd")), "{}", r.body);
    assert!(gone(&env.gw).await.0.is_empty());
    let ids: Vec<String> = env.gw.records(A).await.unwrap().leerlingen.iter().map(|l| l.id.to_string()).collect();
    assert!(!ids.contains(&p[0]) && ids.contains(&p[1]));

    // Groups: all archived at once, then deleted at once.
    let groepen: Vec<String> = records.groepen.iter().map(|g| g.id.to_string()).collect();
    let mut fields = vec![("tab", "groepen")];
    fields.extend(groepen.iter().map(|g| ("id", g.as_str())));
    let r = admin.submit(&format!("/console/locaties/{A}/deactiveren"), &fields).await;
    assert_eq!(r.status, 303);
    assert_eq!(gone(&env.gw).await.1, groepen.len());
    let confirm = format!("DELETE {} groepen OF 99DE00", groepen.len());
    let r = admin.submit(&del, &fields).await;
    assert!(r.body.contains(&confirm) && r.body.contains("nooit meer te raadplegen"), "{}", r.body);
    fields.push(("bevestiging", &confirm));
    let r = admin.submit(&del, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(gone(&env.gw).await.1, 0);

    let trail = env.gw.audit_trail(A).await.unwrap();
    for action in ["archive-leerling", "reactivate-leerling", "delete-leerling", "archive-groep", "delete-groep"] {
        assert!(trail.iter().any(|a| a.action == action && a.actor == ADMIN_A.0), "{action}: {trail:?}");
    }
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_admin_prepares_the_next_school_year_only_in_its_window() {
    let env = start().await;
    imported_a(&env).await;
    let page = format!("/console/locaties/{A}/schooljaar");
    let mut admin = env.signed_in(ADMIN_A).await;
    let r = admin.get(&page).await;
    assert!(r.body.contains("Schooljaar 2026-2027 klaarzetten kan vanaf 01-08-2026"), "{}", r.body);
    assert!(!r.body.contains("GA VERDER"));
    let r = admin.submit(&page, &[]).await;
    assert_eq!(r.status, 409, "too early");
    assert!(r.body.contains("can be prepared from 1 August 2026"), "{}", r.body);
    assert!(env.gw.school_years(A).await.unwrap().is_empty());

    // Mid-August: the window is open (a new sign-in: the old session has long expired).
    env.clock.advance(Duration::days(318));
    let mut admin = env.signed_in(ADMIN_A).await;
    let r = admin.get(&page).await;
    assert!(r.body.contains("klaarzetten kan tot 01-10-2026") && r.body.contains("GA VERDER"), "{}", r.body);
    let r = admin.submit(&page, &[]).await;
    assert_eq!(r.location, Some(format!("{page}?melding=klaargezet")), "{}", r.body);
    let years = env.gw.school_years(A).await.unwrap();
    assert_eq!((years[0].schooljaar.as_str(), years[0].started_by.as_str()), ("2026-2027", ADMIN_A.0));
    let r = admin.get(r.location.as_deref().unwrap()).await;
    assert!(r.body.contains("Het nieuwe schooljaar is klaargezet"));
    assert!(r.body.contains("Nog af te ronden") && r.body.contains("Wacht op afronden van de import"), "{}", r.body);
    assert!(!r.body.contains("GA VERDER"), "started once");
    assert!(
        r.body.contains("<dt>Huidig schooljaar</dt><dd>2025-2026</dd>"),
        "not current before its import: {}",
        r.body
    );
    assert!(r.body.contains("Schooljaar 2026-2027 is klaargezet en wacht op het afronden van de import"));
    let r = admin.submit(&page, &[]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("already started"), "{}", r.body);
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_admin_offers_one_delivery_error_again_then_all_and_sees_the_history() {
    let env = start().await;
    let link = imported_a(&env).await;
    two_delivery_errors(&env, link).await;
    let errors = env.gw.delivery_errors(Some(link)).await.unwrap();
    assert_eq!(errors.len(), 2);
    let mut admin = env.signed_in(ADMIN_A).await;
    let page = format!("/console/locaties/{A}/resultaten");
    let r = admin.get(&page).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.matches("Leerling niet vindbaar in het LAS").count(), 2, "{}", r.body);
    assert!(r.body.contains("ALLES OPNIEUW AANBIEDEN"));
    assert!(r.body.contains("Verwerkt") && r.body.contains("Geweigerd"), "the history: {}", r.body);

    let retry = format!("/console/koppelingen/{link}/opnieuw-aanbieden");
    let one = errors[0].delivery_id.to_string();
    let r = admin.submit(&retry, &[("levering", &one)]).await;
    assert_eq!(r.location, Some(format!("{page}?melding=aangeboden")));
    assert_eq!(env.gw.delivery_errors(Some(link)).await.unwrap(), vec![errors[1].clone()]);
    // The same again: it is queued, no longer an error.
    let r = admin.submit(&retry, &[("levering", &one)]).await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("has no delivery error"), "{}", r.body);
    let r = admin.submit(&retry, &[]).await;
    assert_eq!(r.location, Some(format!("{page}?melding=alles-aangeboden")));
    assert!(env.gw.delivery_errors(Some(link)).await.unwrap().is_empty());
    let r = admin.get(&page).await;
    assert!(r.body.contains("Geen leveringsfouten") && r.body.contains("wachtend"), "{}", r.body);
    let trail = env.gw.audit_trail(A).await.unwrap();
    for action in ["retry-delivery", "retry-deliveries"] {
        assert!(trail.iter().any(|a| a.action == action && a.actor == ADMIN_A.0), "{action}");
    }
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_dashboard_is_requested_with_its_key_and_its_setting_saved_and_numbers_cleared() {
    let env = start().await;
    let las_link = imported_a(&env).await;
    let mut admin = env.signed_in(ADMIN_A).await;
    let koppelen = format!("/console/locaties/{A}/koppelen");
    let key = "SchoolKr8-sleutel-ImVowXsh2g71qvUilAaw";
    let fields = [
        ("kind", "schoolkr8"),
        ("schooljaar", SCHOOLJAAR),
        ("endpoint", "https://schoolkr8.example/uwlr"),
        ("autorisatiesleutel", key),
    ];
    let r = admin.submit(&koppelen, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = admin.get(&koppelen).await;
    assert!(
        page.body.contains("Koppelen met Focus PO of SchoolKr8") && page.body.contains("Boom wijzigingen verwerken")
    );
    assert!(!page.body.contains(key), "the key is never shown");
    let dash = env.gw.koppelingen(Some(A)).await.unwrap().into_iter().find(|k| k.kind.is_dashboard()).unwrap();
    assert!(dash.process_changes, "on by default, as in SchoolKr8");

    // The checkbox unticked: off; ticked: on again. A LAS link has no such setting.
    let setting = format!("/console/koppelingen/{}/wijzigingen-verwerken", dash.id);
    let r = admin.submit(&setting, &[]).await;
    assert_eq!(r.location, Some(format!("{koppelen}?melding=wijzigingen-uit")));
    assert!(!env.gw.koppeling(dash.id).await.unwrap().process_changes);
    let r = admin.submit(&setting, &[("aan", "ja")]).await;
    assert_eq!(r.status, 303);
    assert!(env.gw.koppeling(dash.id).await.unwrap().process_changes);
    let r = admin.submit(&format!("/console/koppelingen/{las_link}/wijzigingen-verwerken"), &[]).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("only dashboards have this"), "{}", r.body);

    // Verwijder nummers: only with the warning ticked.
    let clear = format!("/console/locaties/{A}/nummers-verwijderen");
    let r = admin.submit(&clear, &[("reden", "ander LAS")]).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("er is niets verwijderd"), "{}", r.body);
    assert!(env.gw.records(A).await.unwrap().leerlingen.iter().all(|l| l.external.is_some()));
    let r = admin.submit(&clear, &[("bevestig", "ja"), ("reden", "ander LAS")]).await;
    assert_eq!(r.location, Some(format!("{koppelen}?melding=nummers-verwijderd")), "{}", r.body);
    let records = env.gw.records(A).await.unwrap();
    assert!(!records.leerlingen.is_empty() && records.leerlingen.iter().all(|l| l.external.is_none()));

    let trail = env.gw.audit_trail(A).await.unwrap();
    for action in ["process-changes-off", "process-changes-on", "clear-external-numbers"] {
        assert!(trail.iter().any(|a| a.action == action && a.actor == ADMIN_A.0), "{action}: {trail:?}");
    }

    // An ESIS request without its key yet: the page explains the verification code.
    let mut admin_b = env.signed_in(ADMIN_B).await;
    let esis = [("kind", "esis"), ("schooljaar", SCHOOLJAAR), ("endpoint", "https://esis.example/uwlr")];
    let r = admin_b.submit(&format!("/console/locaties/{B}/koppelen"), &esis).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = admin_b.get(&format!("/console/locaties/{B}/koppelen")).await;
    assert!(page.body.contains("verificatiecode") && page.body.contains("20 tot 50 tekens"), "{}", page.body);
    env.api.shutdown().await.unwrap();
}

/// A school admin in headless Chromium on each beheer page: archives two pupils with the
/// checkboxes, deletes one for good with the typed phrase, offers a delivery error again,
/// sees the school year, switches "Boom wijzigingen verwerken" off; support opens the
/// results too. Screenshots under target/console-screenshots/ (docs/console/ with
/// `UWLR_UPDATE_SCREENSHOTS=1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_admin_manages_its_location_in_chromium() {
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
    let link = imported_a(&env).await;
    two_delivery_errors(&env, link).await;
    let req = uwlr::gateway::koppelingen::KoppelingRequest {
        location: A.into(),
        schooljaar: SCHOOLJAAR.into(),
        kind: uwlr::koppeling::Kind::Schoolkr8,
        endpoint: Some("https://schoolkr8.example/uwlr".into()),
        key: Some("SchoolKr8-sleutel-0123456789".into()),
        reason: None,
    };
    let dash = env.gw.request_koppeling(&req, "setup").await.unwrap().id;
    // The pupils archived and deleted here are not those with a delivery error, so the
    // results page still shows both.
    let refused: Vec<i64> = env.gw.delivery_errors(Some(link)).await.unwrap().iter().map(|e| e.leerling_id).collect();
    let records = env.gw.records(A).await.unwrap();
    let pupils: Vec<i64> = records.leerlingen.iter().map(|l| l.id).filter(|id| !refused.contains(id)).collect();
    let driver = start_driver(&driver);
    let c = browser(&driver, &chromium).await;
    c.set_window_size(1280, 1200).await.unwrap();
    let base = env.api.base_url();
    let click = |xpath: String| {
        let c = c.clone();
        async move { c.find(Locator::XPath(&xpath)).await.unwrap().click().await.unwrap() }
    };
    let sign_in = |who: (&'static str, &'static str)| {
        let (c, base) = (c.clone(), base.clone());
        async move {
            c.goto(&format!("{base}/console/aanmelden")).await.unwrap();
            c.find(Locator::Id("email")).await.unwrap().send_keys(who.0).await.unwrap();
            c.find(Locator::Id("wachtwoord")).await.unwrap().send_keys(who.1).await.unwrap();
            c.find(Locator::XPath("//button[normalize-space()='AANMELDEN']")).await.unwrap().click().await.unwrap();
            arrive(&c, "/console/locaties").await;
        }
    };
    sign_in(ADMIN_A).await;

    // Gedeactiveerde leerlingen en groepen: from the Koppelen page's menu.
    c.goto(&format!("{base}/console/locaties/{A}/koppelen")).await.unwrap();
    click("//nav[contains(@class,'beheer')]//a[normalize-space()='Gedeactiveerde leerlingen en groepen']".into()).await;
    let page = format!("/console/locaties/{A}/gedeactiveerd");
    arrive(&c, &page).await;
    assert!(text_of(&c, "h1").await.starts_with("Gedeactiveerde leerlingen en groepen"));
    for p in &pupils[..2] {
        c.find(Locator::Id(&format!("al-{p}"))).await.unwrap().click().await.unwrap();
    }
    click("//form[input[@name='tab' and @value='leerlingen']]//button[normalize-space()='DEACTIVEREN']".into()).await;
    arrive(&c, &format!("{page}?melding=gedeactiveerd")).await;
    assert!(text_of(&c, ".melding").await.contains("gedeactiveerd"));
    shoot(&c, "gedeactiveerd").await;

    // Delete one for good: the confirmation with the seed's warning and the phrase.
    c.find(Locator::Id(&format!("gl-{}", pupils[0]))).await.unwrap().click().await.unwrap();
    click("//section[@aria-labelledby='gd-ll']//button[normalize-space()='VERWIJDEREN']".into()).await;
    arrive(&c, &format!("/console/locaties/{A}/verwijderen")).await;
    let phrase = text_of(&c, "label[for='bevestiging'] code").await;
    assert_eq!(phrase, "DELETE 1 leerlingen OF 99DE00");
    assert!(text_of(&c, ".waarschuwing").await.contains("nooit meer terug te halen"));
    shoot(&c, "verwijderen").await;
    c.find(Locator::Id("bevestiging")).await.unwrap().send_keys(&phrase).await.unwrap();
    click("//button[normalize-space()='DEFINITIEF VERWIJDEREN']".into()).await;
    arrive(&c, &format!("{page}?melding=verwijderd")).await;
    let left: Vec<i64> = env.gw.deactivated(A).await.unwrap().leerlingen.iter().map(|l| l.id).collect();
    assert_eq!(left, vec![pupils[1]]);

    // Resultaten: offer one delivery error again.
    click("//nav[contains(@class,'beheer')]//a[normalize-space()='Resultaten']".into()).await;
    let results = format!("/console/locaties/{A}/resultaten");
    arrive(&c, &results).await;
    assert!(text_of(&c, "main").await.contains("Leerling niet vindbaar in het LAS"));
    shoot(&c, "resultaten").await;
    let before = env.gw.delivery_errors(Some(link)).await.unwrap().len();
    assert_eq!(before, 2);
    click("(//button[normalize-space()='OPNIEUW AANBIEDEN'])[1]".into()).await;
    arrive(&c, &format!("{results}?melding=aangeboden")).await;
    assert_eq!(env.gw.delivery_errors(Some(link)).await.unwrap().len(), before - 1);

    // Gebruikers: who may sign in for A.
    click("//nav[contains(@class,'beheer')]//a[normalize-space()='Gebruikers']".into()).await;
    arrive(&c, &format!("/console/locaties/{A}/gebruikers")).await;
    assert!(text_of(&c, "main").await.contains("Juf Anna"));
    shoot(&c, "gebruikers").await;

    // Overgang nieuw schooljaar.
    click("//nav[contains(@class,'beheer')]//a[normalize-space()='Overgang nieuw schooljaar']".into()).await;
    arrive(&c, &format!("/console/locaties/{A}/schooljaar")).await;
    assert!(text_of(&c, "main").await.contains("Schooljaar 2026-2027 klaarzetten kan vanaf 01-08-2026"));
    shoot(&c, "schooljaar").await;

    // The dashboard on Koppelen met LAS: Boom wijzigingen verwerken off.
    c.goto(&format!("{base}/console/locaties/{A}/koppelen#k-{dash}")).await.unwrap();
    arrive(&c, &format!("/console/locaties/{A}/koppelen")).await;
    shoot(&c, "koppelen-dashboard").await;
    c.find(Locator::Id(&format!("wijz-{dash}"))).await.unwrap().click().await.unwrap();
    click(format!("//form[@action='/console/koppelingen/{dash}/wijzigingen-verwerken']//button")).await;
    arrive(&c, &format!("/console/locaties/{A}/koppelen?melding=wijzigingen-uit")).await;
    assert!(!env.gw.koppeling(dash).await.unwrap().process_changes);
    c.goto(&format!("{base}/console/locaties/{A}/koppelen#nummers")).await.unwrap();
    arrive(&c, &format!("/console/locaties/{A}/koppelen")).await;
    shoot(&c, "verwijder-nummers").await;

    // Support opens the same results page.
    click("//button[normalize-space()='Afmelden']".into()).await;
    arrive(&c, "/console/aanmelden?melding=afgemeld").await;
    sign_in(SUPPORT).await;
    c.goto(&format!("{base}{results}")).await.unwrap();
    arrive(&c, &results).await;
    assert!(text_of(&c, "h1").await.starts_with("Resultaten"));
    assert!(text_of(&c, "main").await.contains("leveringsfout"));

    // Mid-August next year: the admin prepares 2026-2027 (GA VERDER); its import waits.
    env.clock.advance(Duration::days(318));
    sign_in(ADMIN_A).await;
    let year = format!("/console/locaties/{A}/schooljaar");
    c.goto(&format!("{base}{year}")).await.unwrap();
    arrive(&c, &year).await;
    click("//button[normalize-space()='GA VERDER']".into()).await;
    arrive(&c, &format!("{year}?melding=klaargezet")).await;
    assert!(text_of(&c, "main").await.contains("Wacht op afronden van de import"));
    shoot(&c, "schooljaar-klaargezet").await;
    assert_eq!(env.gw.school_years(A).await.unwrap()[0].started_by, ADMIN_A.0);

    c.close().await.unwrap();
    drop(driver);
    env.api.shutdown().await.unwrap();
}
