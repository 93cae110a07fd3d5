//! The admin console over real loopback HTTP, served as `uwlr serve` serves it (the admin
//! API's router and the console's on one listener, with client addresses), on SQLite; the
//! accounts and sessions themselves also on PostgreSQL. The authorization matrix over every
//! console route (anonymous, a teacher of school A, the admin of A, the admin of B,
//! support), CSRF on every form, the sign-in throttle by account and address, sign-out and
//! sign-out everywhere, and no key, password or session token in any page, log line or
//! audit entry.

use crate::log_capture::LogCapture;
use crate::store_support;

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use store_support::*;
use uwlr::api::{self, AdminToken, RunningApi};
use uwlr::console::accounts::{self, Role};
use uwlr::console::{self, ConsoleSettings};
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::Gateway;
use uwlr::koppeling::{Kind, Status};
use uwlr::mock::{ManualClock, Profile};

pub const A: &str = "99DE00";
pub const B: &str = "99DF00";
pub const SUPPORT: (&str, &str) = ("support@boom.nl", "klantenservice-wachtwoord");
pub const ADMIN_A: (&str, &str) = ("beheer@school-a.nl", "wachtwoord-van-school-a");
pub const ADMIN_B: (&str, &str) = ("beheer@school-b.nl", "wachtwoord-van-school-b");
pub const TEACHER_A: (&str, &str) = ("juf@school-a.nl", "wachtwoord-van-de-juf");

/// The gateway with its API and console on loopback, four accounts, and a mock ParnasSys
/// that serves both schools.
pub struct Env {
    pub gw: Gateway,
    pub api: RunningApi,
    pub las: Las,
    pub clock: Arc<ManualClock>,
    _db: TestDb,
}

pub async fn start() -> Env {
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    for ((email, pw), name, role, location) in [
        (SUPPORT, "Sanne de Vries", Role::Support, None),
        (ADMIN_A, "Beheerder school A", Role::SchoolAdmin, Some(A)),
        (ADMIN_B, "Beheerder school B", Role::SchoolAdmin, Some(B)),
        (TEACHER_A, "Juf Anna", Role::Teacher, Some(A)),
    ] {
        accounts::add_account(&gw, email, name, role, Some(pw), "test").await.unwrap();
        if let Some(l) = location {
            accounts::grant(&gw, email, l, "test").await.unwrap();
        }
    }
    let las = las(Profile::Parnassys, 5, clock.clone()).await;
    let app = api::router(gw.clone(), AdminToken::new("test-admin-token-0123456789".into()))
        .merge(console::router(gw.clone(), ConsoleSettings::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = api::spawn_router(app, listener, Default::default()).unwrap();
    Env { gw, api, las, clock, _db: db }
}

impl Env {
    /// A browser-like client from `address` (127.0.0.x): its own cookies, no redirects
    /// followed.
    pub fn client(&self, address: &str) -> Client {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(address.parse::<IpAddr>().unwrap())
            .build()
            .unwrap();
        Client { http, base: self.api.base_url(), cookies: HashMap::new(), seen: Arc::default() }
    }

    /// A client signed in as `who` from 127.0.0.1.
    pub async fn signed_in(&self, who: (&str, &str)) -> Client {
        let mut c = self.client("127.0.0.1");
        let r = c.sign_in(who.0, who.1).await;
        assert_eq!(r.status, 303, "{} signs in: {}", who.0, r.body);
        c
    }

    /// A link of `location` filed by its admin, with the key the LAS issued.
    pub async fn link(&self, location: &str, with_key: bool) -> i64 {
        let key = if with_key { Some(self.las.issue_key(location).await) } else { None };
        let req = KoppelingRequest {
            location: location.into(),
            schooljaar: SCHOOLJAAR.into(),
            kind: Kind::Parnassys,
            endpoint: Some(self.las.endpoint.clone()),
            key,
            reason: None,
        };
        self.gw.request_koppeling(&req, "setup").await.unwrap().id
    }
}

/// One answer: status, `Location`, body.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
    /// Every body this client was sent, for the secrets test.
    pub seen: Arc<Mutex<String>>,
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let r = req.header("cookie", self.cookie_header()).send().await.unwrap();
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').unwrap();
            assert!(attrs.contains("HttpOnly") && attrs.contains("SameSite=Strict"), "{v}");
            if value.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        let body = r.text().await.unwrap();
        self.seen.lock().unwrap().push_str(&body);
        Page { status, location, body }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// A form post, with `csrf` only when given in `fields`.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req).await
    }

    /// A form post with this session's CSRF token (read from a page, as a browser has it).
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    pub async fn csrf(&mut self) -> String {
        let page = self.get("/console/locaties").await;
        csrf_of(&page.body).unwrap_or_else(|| panic!("no CSRF token on the page: {page:?}"))
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/console/aanmelden").await;
        let token = csrf_of(&form.body).unwrap();
        self.post("/console/aanmelden", &[("csrf", &token), ("email", email), ("wachtwoord", password)]).await
    }

    /// A client over `http` (with its own TLS roots, say) to `base`.
    pub fn over(http: reqwest::Client, base: String) -> Client {
        Client { http, base, cookies: HashMap::new(), seen: Arc::default() }
    }

    /// Signs in through a proxy in front, which says the client is `forwarded`.
    pub async fn sign_in_from(&mut self, email: &str, password: &str, forwarded: &str) -> Page {
        let form = self.get("/console/aanmelden").await;
        let token = csrf_of(&form.body).unwrap();
        let body = serde_urlencoded::to_string([("csrf", token.as_str()), ("email", email), ("wachtwoord", password)])
            .unwrap();
        let req = self
            .http
            .post(format!("{}/console/aanmelden", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", forwarded)
            .body(body);
        self.send(req).await
    }

    pub fn session(&self) -> Option<&str> {
        self.cookies.get(console::SESSION_COOKIE).map(String::as_str)
    }
}

pub fn csrf_of(body: &str) -> Option<String> {
    let at = body.find(r#"name="csrf" value=""#)? + r#"name="csrf" value=""#.len();
    Some(body[at..].split('"').next()?.to_string())
}

/// A form of the matrix: its route, the path filled in, its fields (without `csrf`).
type Post<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);

/// What a person may do, as the matrix expects it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    TeacherA,
    AdminA,
    AdminB,
    Support,
}

#[tokio::test]
async fn the_authorization_matrix_over_every_console_route() {
    let env = start().await;
    let (link_a, link_b) = (env.link(A, true).await, env.link(B, false).await);
    let before = env.gw.koppelingen(None).await.unwrap();

    let mut clients = Vec::new();
    for who in [Who::Anonymous, Who::TeacherA, Who::AdminA, Who::AdminB, Who::Support] {
        let c = match who {
            Who::Anonymous => env.client("127.0.0.1"),
            Who::TeacherA => env.signed_in(TEACHER_A).await,
            Who::AdminA => env.signed_in(ADMIN_A).await,
            Who::AdminB => env.signed_in(ADMIN_B).await,
            Who::Support => env.signed_in(SUPPORT).await,
        };
        clients.push((who, c));
    }
    let sees = |who: Who, loc: &str| match who {
        Who::Anonymous => false,
        Who::TeacherA | Who::AdminA => loc == A,
        Who::AdminB => loc == B,
        Who::Support => true,
    };
    let link_of = |loc: &str| if loc == A { link_a } else { link_b };

    let mut covered = BTreeSet::new();
    for (who, c) in &mut clients {
        let who = *who;
        // Public routes answer everyone.
        for path in ["/console/console.css", "/console/aanmelden"] {
            assert_eq!(c.get(path).await.status, 200, "{who:?} GET {path}");
            covered.insert(("GET", path.to_string()));
        }
        let root = c.get("/console/").await;
        assert_eq!(root.status, 303);
        assert_eq!(root.location.as_deref(), Some("/console/locaties"), "{who:?}");
        covered.insert(("GET", "/console/".into()));

        // The overview shows exactly the locations the person may see.
        let overview = c.get("/console/locaties").await;
        covered.insert(("GET", "/console/locaties".into()));
        if who == Who::Anonymous {
            assert_eq!((overview.status, overview.location.as_deref()), (303, Some("/console/aanmelden")));
        } else {
            assert_eq!(overview.status, 200, "{who:?}");
            for loc in [A, B] {
                assert_eq!(overview.body.contains(loc), sees(who, loc), "{who:?} overview and {loc}");
            }
        }

        for loc in [A, B] {
            let id = link_of(loc);
            let visible = sees(who, loc);
            // Opening a location by its code: only one the person may see.
            let open = c.get(&format!("/console/locatie?code={loc}")).await;
            covered.insert(("GET", "/console/locatie".into()));
            match (who, visible) {
                (Who::Anonymous, _) => assert_eq!(open.location.as_deref(), Some("/console/aanmelden")),
                (_, true) => assert_eq!(open.location, Some(format!("/console/locaties/{loc}/koppelen")), "{who:?}"),
                (_, false) => {
                    assert_eq!(open.status, 404, "{who:?} opens {loc}");
                    assert_nothing_of(&open.body, loc, id);
                }
            }
            let page = c.get(&format!("/console/locaties/{loc}/koppelen")).await;
            covered.insert(("GET", "/console/locaties/{location}/koppelen".into()));
            match (who, visible) {
                (Who::Anonymous, _) => assert_eq!(page.status, 303),
                (_, true) => {
                    assert_eq!(page.status, 200, "{who:?} {loc}");
                    assert!(page.body.contains(&format!("/console/koppelingen/{id}/")) || who == Who::TeacherA);
                    // Only those who manage the location get the forms; only support approves.
                    assert_eq!(page.body.contains("AANVRAGEN"), who != Who::TeacherA, "{who:?}");
                    assert_eq!(page.body.contains("GOEDKEUREN"), who == Who::Support, "{who:?}");
                }
                (_, false) => {
                    assert_eq!(page.status, 404, "{who:?} sees {loc}");
                    assert_nothing_of(&page.body, loc, link_of(loc));
                }
            }

            // Every form: without a CSRF token refused before anything happens; with a
            // wrong one as well.
            let posts: [Post<'_>; 5] = [
                (
                    "/console/locaties/{location}/koppelen",
                    format!("/console/locaties/{loc}/koppelen"),
                    vec![
                        ("kind", "parnassys"),
                        ("schooljaar", SCHOOLJAAR),
                        ("endpoint", "https://las.example/uwlr"),
                        ("autorisatiesleutel", "sleutel-die-niet-mag-landen"),
                    ],
                ),
                ("/console/koppelingen/{id}/goedkeuren", format!("/console/koppelingen/{id}/goedkeuren"), vec![]),
                (
                    "/console/koppelingen/{id}/afwijzen",
                    format!("/console/koppelingen/{id}/afwijzen"),
                    vec![("reden", "nee")],
                ),
                (
                    "/console/koppelingen/{id}/sleutel",
                    format!("/console/koppelingen/{id}/sleutel"),
                    vec![("autorisatiesleutel", "nieuwe-sleutel-die-niet-mag-landen")],
                ),
                (
                    "/console/koppelingen/{id}/intrekken",
                    format!("/console/koppelingen/{id}/intrekken"),
                    vec![("reden", "weg")],
                ),
            ];
            for (route, path, fields) in &posts {
                covered.insert(("POST", route.to_string()));
                let bare = c.post(path, fields).await;
                let expect = if who == Who::Anonymous { 401 } else { 403 };
                assert_eq!(bare.status, expect, "{who:?} POST {path} without CSRF: {}", bare.body);
                let mut forged = vec![("csrf", "0".repeat(64))];
                forged.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
                let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
                assert_eq!(c.post(path, &forged).await.status, expect, "{who:?} POST {path} with a forged CSRF");
                if who == Who::Anonymous {
                    continue;
                }
                // With a valid token: another school's link is not found; a role's limit is
                // forbidden. (What is allowed is done in the flows below.)
                if !visible {
                    let r = c.submit(path, fields).await;
                    assert_eq!(r.status, 404, "{who:?} POST {path}");
                    assert_nothing_of(&r.body, loc, id);
                } else if who == Who::TeacherA {
                    assert_eq!(c.submit(path, fields).await.status, 403, "{who:?} POST {path}");
                }
            }
            if who == Who::AdminA && loc == A {
                for action in ["goedkeuren", "afwijzen"] {
                    let r = c.submit(&format!("/console/koppelingen/{id}/{action}"), &[("reden", "zelf")]).await;
                    assert_eq!(r.status, 403, "a school admin cannot {action} its own request");
                }
            }
        }

        // Signing out needs the token too.
        for path in ["/console/afmelden", "/console/overal-afmelden"] {
            covered.insert(("POST", path.to_string()));
            let expect = if who == Who::Anonymous { 401 } else { 403 };
            assert_eq!(c.post(path, &[]).await.status, expect, "{who:?} {path}");
        }
        let r = c.post("/console/aanmelden", &[("email", SUPPORT.0), ("wachtwoord", SUPPORT.1)]).await;
        assert_eq!(r.status, 403, "{who:?} signs in without the form's token");
        covered.insert(("POST", "/console/aanmelden".into()));

        // A console session opens no admin API route: those need the bearer token.
        if let Some(session) = c.session().map(str::to_string) {
            for r in api::routes().into_iter().filter(|r| !r.public) {
                let path = r.path.replace("{id}", "1").replace("{location}", A);
                let req = match r.verb {
                    api::Verb::Get => c.http.get(format!("{}{path}", c.base)),
                    api::Verb::Post => c.http.post(format!("{}{path}", c.base)).body("{}"),
                };
                let resp = req.header("cookie", format!("{}={session}", console::SESSION_COOKIE)).send().await.unwrap();
                assert_eq!(resp.status(), 401, "{} {path} with a console session", r.verb.as_str());
            }
        }
    }

    // Every route this matrix owns was exercised.
    let mine: BTreeSet<(&str, String)> = MATRIX_ROUTES.iter().map(|(m, p)| (*m, p.to_string())).collect();
    assert_eq!(covered, mine);

    // Nothing changed: no state, no key, no audit line by anyone but the setup.
    let after = env.gw.koppelingen(None).await.unwrap();
    assert_eq!(before, after);
    for loc in [A, B] {
        let trail = env.gw.audit_trail(loc).await.unwrap();
        assert!(trail.iter().all(|a| a.actor == "setup" || a.actor == "test"), "{trail:?}");
    }
    env.api.shutdown().await.unwrap();
}

/// The routes [`the_authorization_matrix_over_every_console_route`] exercises. Pages added
/// later bring a matrix test of their own (in their own file, with the same five people)
/// and list its routes in [`every_console_route_is_in_an_authorization_matrix`].
pub const MATRIX_ROUTES: &[(&str, &str)] = &[
    ("GET", "/console/"),
    ("GET", "/console/console.css"),
    ("GET", "/console/aanmelden"),
    ("POST", "/console/aanmelden"),
    ("POST", "/console/afmelden"),
    ("POST", "/console/overal-afmelden"),
    ("GET", "/console/locaties"),
    ("GET", "/console/locatie"),
    ("GET", "/console/locaties/{location}/koppelen"),
    ("POST", "/console/locaties/{location}/koppelen"),
    ("POST", "/console/koppelingen/{id}/goedkeuren"),
    ("POST", "/console/koppelingen/{id}/afwijzen"),
    ("POST", "/console/koppelingen/{id}/sleutel"),
    ("POST", "/console/koppelingen/{id}/intrekken"),
];

/// No console route is left out of every authorization matrix: each matrix test asserts it
/// exercised exactly its own list, and the lists together are every route the console serves.
#[test]
fn every_console_route_is_in_an_authorization_matrix() {
    let matrices: &[&[(&str, &str)]] = &[
        MATRIX_ROUTES,
        crate::console_beheer::MATRIX_ROUTES,
        crate::console_import::MATRIX_ROUTES,
        crate::console_invitations::MATRIX_ROUTES,
        crate::console_journal::MATRIX_ROUTES,
        crate::console_users::MATRIX_ROUTES,
    ];
    let mut listed = BTreeSet::new();
    for m in matrices {
        for r in m.iter() {
            assert!(listed.insert(*r), "{r:?} is in two matrices");
        }
    }
    let all: BTreeSet<(&str, &str)> = console::routes().iter().map(|r| (r.method, r.path)).collect();
    assert_eq!(listed, all, "every console route in exactly one authorization matrix");
}

/// Nothing of `location` or its link in a refusal.
fn assert_nothing_of(body: &str, location: &str, link: i64) {
    assert!(!body.contains(location), "the body names {location}: {body}");
    assert!(!body.contains(&format!("/koppelingen/{link}/")), "the body names link {link}: {body}");
    assert!(!body.contains("ParnasSys"), "the body describes a link: {body}");
}

#[tokio::test]
async fn a_school_requests_and_support_approves_rejects_and_both_manage_the_link() {
    let env = start().await;
    let mut admin = env.signed_in(ADMIN_A).await;
    let mut support = env.signed_in(SUPPORT).await;
    let key = env.las.issue_key(A).await;

    // The request: the key goes in, and is never shown again (not even after a refusal).
    let bad = admin
        .submit(
            &format!("/console/locaties/{A}/koppelen"),
            &[
                ("kind", "parnassys"),
                ("schooljaar", "2025"),
                ("endpoint", &env.las.endpoint),
                ("autorisatiesleutel", &key),
            ],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("schooljaar") && !bad.body.contains(&key));
    let fields = [
        ("kind", "parnassys"),
        ("schooljaar", SCHOOLJAAR),
        ("endpoint", env.las.endpoint.as_str()),
        ("autorisatiesleutel", key.as_str()),
    ];
    let ok = admin.submit(&format!("/console/locaties/{A}/koppelen"), &fields).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = admin.get(ok.location.as_deref().unwrap()).await;
    assert!(page.body.contains("De koppeling is aangevraagd") && page.body.contains("Aangevraagd"));
    assert!(!page.body.contains(&key));
    let id = env.gw.koppelingen(Some(A)).await.unwrap()[0].id;

    // A rejection needs a reason; support approves.
    let r = support.submit(&format!("/console/koppelingen/{id}/afwijzen"), &[("reden", " ")]).await;
    assert_eq!(r.status, 400);
    let r = support.submit(&format!("/console/koppelingen/{id}/goedkeuren"), &[("reden", "")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let k = env.gw.koppeling(id).await.unwrap();
    assert_eq!(k.status, Status::Active);
    let overview = admin.get("/console/locaties").await;
    assert!(overview.body.contains("Actief"), "{}", overview.body);

    // The school rotates the key and revokes; every step names the person who did it.
    let new_key = env.las.issue_key(A).await;
    let r = admin.submit(&format!("/console/koppelingen/{id}/sleutel"), &[("autorisatiesleutel", &new_key)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin.submit(&format!("/console/koppelingen/{id}/intrekken"), &[("reden", "nieuw LAS")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(env.gw.koppeling(id).await.unwrap().status, Status::Revoked);
    let actors: Vec<(String, String)> =
        env.gw.audit_trail(A).await.unwrap().into_iter().map(|a| (a.actor, a.action)).collect();
    for (actor, action) in [
        (ADMIN_A.0, "request"),
        (ADMIN_A.0, "set-key"),
        (SUPPORT.0, "approve"),
        (ADMIN_A.0, "rotate"),
        (ADMIN_A.0, "revoke"),
    ] {
        assert!(actors.contains(&(actor.to_string(), action.to_string())), "{actor} {action}: {actors:?}");
    }

    // A second request for another school's location is not found, whatever the form says.
    let r = admin.submit(&format!("/console/locaties/{B}/koppelen"), &fields).await;
    assert_eq!(r.status, 404);
    assert!(env.gw.koppelingen(Some(B)).await.unwrap().is_empty());
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_passwords_slow_down_then_lock_that_address_while_the_owner_still_signs_in_elsewhere() {
    let env = start().await;
    let mut attacker = env.client("127.0.0.1");
    let second = chrono::Duration::seconds(1);
    // Three tries go at once; then each waits 1, 2, 4 s after the last failure.
    for i in 0..3 {
        let r = attacker.sign_in(ADMIN_A.0, "geraden-wachtwoord").await;
        assert_eq!(r.status, 401, "try {i}");
        assert!(r.body.contains("onjuist e-mailadres of wachtwoord"));
        assert!(attacker.session().is_none());
    }
    let r = attacker.sign_in(ADMIN_A.0, "geraden-wachtwoord").await;
    assert_eq!(r.status, 429, "the fourth try at once is slowed down");
    assert!(r.body.contains("probeer het over 1 seconden opnieuw"), "{}", r.body);
    // Slowed down means the password is not even checked: the right one is refused too.
    assert_eq!(attacker.sign_in(ADMIN_A.0, ADMIN_A.1).await.status, 429);
    env.clock.advance(second);
    assert_eq!(attacker.sign_in(ADMIN_A.0, "nog-een-gok").await.status, 401);
    assert_eq!(attacker.sign_in(ADMIN_A.0, "nog-een-gok").await.status, 429);
    env.clock.advance(second * 2);
    assert_eq!(attacker.sign_in(ADMIN_A.0, "nog-een-gok").await.status, 401);
    env.clock.advance(second * 4);
    assert_eq!(attacker.sign_in(ADMIN_A.0, "nog-een-gok").await.status, 401, "the sixth failure");
    // Locked now: a minute later, even the right password from this address is refused.
    env.clock.advance(second * 60);
    let locked = attacker.sign_in(ADMIN_A.0, ADMIN_A.1).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(attacker.session().is_none());

    // The owner, from another address, signs in all the same.
    let mut owner = env.client("127.0.0.2");
    let r = owner.sign_in(ADMIN_A.0, ADMIN_A.1).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(owner.get("/console/locaties").await.status, 200);
    // Another account from the locked address is not locked by that pair.
    let mut colleague = env.client("127.0.0.1");
    assert_eq!(colleague.sign_in(TEACHER_A.0, TEACHER_A.1).await.status, 303);

    // After the lock, the right password works from the first address again.
    env.clock.advance(chrono::Duration::minutes(15));
    assert_eq!(attacker.sign_in(ADMIN_A.0, ADMIN_A.1).await.status, 303);

    // One address guessing many accounts is locked for all of them.
    let mut sprayer = env.client("127.0.0.3");
    for i in 0..accounts::limits::ADDRESS_LOCK {
        env.clock.advance(chrono::Duration::minutes(1));
        let who = format!("iemand{i}@school.nl");
        assert_eq!(sprayer.sign_in(&who, "gok").await.status, 401);
    }
    env.clock.advance(second);
    assert_eq!(sprayer.sign_in(SUPPORT.0, SUPPORT.1).await.status, 429);
    let failures = env.gw.audit_trail("").await.unwrap().iter().filter(|a| a.action == "sign-in-failed").count();
    assert_eq!(failures, 6 + 30, "every failure is audited");
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn signing_out_ends_the_session_and_everywhere_ends_them_all() {
    let env = start().await;
    let mut laptop = env.signed_in(SUPPORT).await;
    let mut tablet = env.signed_in(SUPPORT).await;
    let stolen = laptop.session().unwrap().to_string();
    // The store holds only the token's digest.
    let mut conn = env.gw.store().pool().acquire().await.unwrap();
    let digests: Vec<(String,)> =
        sqlx::query_as("SELECT token_hash FROM sessions").fetch_all(&mut *conn).await.unwrap();
    drop(conn);
    assert_eq!(digests.len(), 2);
    assert!(digests.iter().any(|(d,)| d == &accounts::token_digest(&stolen)));
    assert!(digests.iter().all(|(d,)| d != &stolen));

    let r = laptop.submit("/console/afmelden", &[]).await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/console/aanmelden?melding=afgemeld")));
    assert!(laptop.session().is_none(), "the cookie is deleted");
    // The old cookie, replayed, opens nothing.
    let mut replay = env.client("127.0.0.1");
    replay.cookies.insert(console::SESSION_COOKIE.into(), stolen);
    assert_eq!(replay.get("/console/locaties").await.status, 303);
    assert_eq!(tablet.get("/console/locaties").await.status, 200, "the other session lives");

    let mut phone = env.signed_in(SUPPORT).await;
    let r = phone.submit("/console/overal-afmelden", &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(tablet.get("/console/locaties").await.status, 303, "every session ended");
    assert_eq!(phone.get("/console/locaties").await.status, 303);
    let actions: Vec<String> = env.gw.audit_trail("").await.unwrap().into_iter().map(|a| a.action).collect();
    assert!(actions.contains(&"sign-out".into()) && actions.contains(&"sign-out-everywhere".into()), "{actions:?}");

    // An idle session ends after eight hours.
    let mut idle = env.signed_in(SUPPORT).await;
    env.clock.advance(chrono::Duration::hours(8));
    assert_eq!(idle.get("/console/locaties").await.status, 303);
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn no_key_password_or_session_token_in_any_page_log_line_or_audit_entry() {
    let (buf, _guard) = LogCapture::start();

    let env = start().await;
    let mut secrets: Vec<String> = [SUPPORT.1, ADMIN_A.1, ADMIN_B.1, TEACHER_A.1].map(String::from).to_vec();
    let mut admin = env.signed_in(ADMIN_A).await;
    let mut support = env.signed_in(SUPPORT).await;
    let mut guesser = env.client("127.0.0.4");
    guesser.sign_in(ADMIN_A.0, "een-fout-wachtwoord-123").await;
    secrets.push("een-fout-wachtwoord-123".into());

    let (k1, k2) = (env.las.issue_key(A).await, env.las.issue_key(A).await);
    let fields = [
        ("kind", "parnassys"),
        ("schooljaar", SCHOOLJAAR),
        ("endpoint", &env.las.endpoint),
        ("autorisatiesleutel", &k2),
    ];
    let r = admin.submit(&format!("/console/locaties/{A}/koppelen"), &fields).await;
    assert_eq!(r.status, 303);
    let id = env.gw.koppelingen(Some(A)).await.unwrap()[0].id;
    // A refused request with a key: the page comes back without it.
    let r = admin.submit(&format!("/console/locaties/{A}/koppelen"), &fields).await;
    assert_eq!(r.status, 409, "one open LAS link per location and year");
    support.submit(&format!("/console/koppelingen/{id}/goedkeuren"), &[]).await;
    let r = admin.submit(&format!("/console/koppelingen/{id}/sleutel"), &[("autorisatiesleutel", &k1)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    for c in [&mut admin, &mut support] {
        c.get("/console/locaties").await;
        c.get(&format!("/console/locaties/{A}/koppelen")).await;
    }
    secrets.extend([k1, k2]);
    secrets.extend([&admin, &support].iter().filter_map(|c| c.session().map(str::to_string)));
    assert_eq!(secrets.len(), 9);

    let mut pages = String::new();
    for c in [&admin, &support, &guesser] {
        pages.push_str(&c.seen.lock().unwrap());
    }
    let logs = buf.text();
    assert!(logs.contains("console sign-in") && logs.contains("console"), "the logs were captured");
    let mut audit = String::new();
    for loc in ["", A, B] {
        for a in env.gw.audit_trail(loc).await.unwrap() {
            audit.push_str(&format!("{a:?}\n"));
        }
    }
    assert!(audit.contains("sign-in") && audit.contains("rotate"));
    let mut conn = env.gw.store().pool().acquire().await.unwrap();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT token_hash FROM sessions UNION ALL SELECT password_hash FROM accounts UNION ALL SELECT scope FROM sign_in_throttle",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let stored: String = tables.into_iter().map(|(s,)| s + "\n").collect();
    for s in &secrets {
        for (what, text) in
            [("a page", &pages), ("the log", &logs), ("the audit trail", &audit), ("the store", &stored)]
        {
            assert!(!text.contains(s.as_str()), "{what} holds a secret ({} characters)", s.len());
        }
    }
    env.api.shutdown().await.unwrap();
}

/// Accounts and sessions live in the store: a session opened through one instance is valid
/// in another on the same database, and ending it there ends it everywhere.
#[tokio::test]
async fn sessions_are_shared_by_instances_on_one_database() {
    for db in databases().await {
        let clock = clock();
        let one = gateway(&db, clock.clone()).await;
        let two = gateway(&db, clock.clone()).await;
        accounts::add_account(&one, ADMIN_A.0, "Beheer A", Role::SchoolAdmin, Some(ADMIN_A.1), "test").await.unwrap();
        accounts::grant(&one, ADMIN_A.0, A, "test").await.unwrap();
        let dup = accounts::add_account(&two, " BEHEER@school-a.nl", "", Role::Support, None, "test").await;
        assert!(dup.unwrap_err().to_string().contains("already an account"), "{}", db.name);
        let s = accounts::sign_in(&one, ADMIN_A.0, ADMIN_A.1, "127.0.0.1").await.unwrap();
        let seen = accounts::session_account(&two, &s.token).await.unwrap().expect("the other instance knows it");
        assert_eq!((seen.role, seen.locations.clone()), (Role::SchoolAdmin, vec![A.to_string()]));
        accounts::sign_out_everywhere(&two, &seen).await.unwrap();
        assert!(accounts::session_account(&one, &s.token).await.unwrap().is_none(), "{}", db.name);
        // A reset ends sessions and the new password works, the old one not.
        let s = accounts::sign_in(&two, ADMIN_A.0, ADMIN_A.1, "127.0.0.1").await.unwrap();
        accounts::reset_password(&one, ADMIN_A.0, "een-heel-nieuw-wachtwoord", "test").await.unwrap();
        assert!(accounts::session_account(&two, &s.token).await.unwrap().is_none());
        assert!(accounts::sign_in(&two, ADMIN_A.0, ADMIN_A.1, "127.0.0.1").await.is_err());
        assert!(accounts::sign_in(&one, ADMIN_A.0, "een-heel-nieuw-wachtwoord", "127.0.0.1").await.is_ok());
        let list = accounts::list_accounts(&two).await.unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].0.has_password);
    }
}

/// `uwlr account`: the first support account and a school admin from the command line, the
/// password only ever on standard input; then signing in with them through `serve`'s code.
#[tokio::test]
async fn the_account_commands() {
    use crate::cli_support::{ok, refused, uwlr};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(&uwlr(
        d,
        &["account", "add", "Support@Boom.nl", "--role", "support", "--name", "Sanne"],
        Some("een-lang-wachtwoord\n"),
    ))
    .to_string();
    assert!(out.contains("support@boom.nl added as support"), "{out}");
    let out = ok(&uwlr(
        d,
        &["account", "add", "beheer@school-a.nl", "--role", "school-admin", "--location", A],
        Some("wachtwoord-van-school-a\n"),
    ))
    .to_string();
    assert!(out.contains(&format!("for {A}")), "{out}");
    ok(&uwlr(d, &["account", "grant", "beheer@school-a.nl", B], None));
    let list = ok(&uwlr(d, &["account", "list"], None)).to_string();
    assert!(list.contains(&format!("{A}, {B}")) && list.contains("all"), "{list}");
    assert!(!list.contains("wachtwoord"), "{list}");
    let json: serde_json::Value = serde_json::from_str(ok(&uwlr(d, &["account", "list", "--json"], None))).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);

    // What to fix, one line each.
    assert!(refused(&uwlr(d, &["account", "add", "x@y.nl", "--role", "support"], Some("kort\n")), 2)
        .contains("12 characters"));
    assert!(refused(
        &uwlr(d, &["account", "add", "support@boom.nl", "--role", "support"], Some("een-lang-wachtwoord\n")),
        1
    )
    .contains("already an account"));
    assert!(refused(&uwlr(d, &["account", "grant", "niemand@school.nl", A], None), 1).contains("uwlr account add"));
    assert_eq!(uwlr(d, &["account", "add", "x@y.nl", "--role", "admin"], None).code, 2);
    assert_eq!(
        uwlr(d, &["account", "add", "x@y.nl", "--role", "support", "--password", "p"], None).code,
        2,
        "no such option"
    );

    // A reset sets the new password; the audit trail names the operator.
    ok(&uwlr(d, &["account", "reset", "beheer@school-a.nl"], Some("een-nieuw-wachtwoord\n")));
    let gw = uwlr::gateway::Gateway::open(d, None, Default::default()).await.unwrap();
    assert!(accounts::sign_in(&gw, "beheer@school-a.nl", "een-nieuw-wachtwoord", "127.0.0.1").await.is_ok());
    assert!(accounts::sign_in(&gw, "beheer@school-a.nl", "wachtwoord-van-school-a", "127.0.0.1").await.is_err());
    let trail = gw.audit_trail("").await.unwrap();
    assert!(trail.iter().any(|a| a.action == "password-reset" && a.actor == "tester"), "{trail:?}");
    assert!(gw.audit_trail(B).await.unwrap().iter().any(|a| a.action == "account-grant"));
}

/// A form larger than any real one is refused before it is read, signed in or not.
#[tokio::test]
async fn oversized_forms_are_refused() {
    let env = start().await;
    let big = "x".repeat(console::FORM_LIMIT + 1);
    let mut anon = env.client("127.0.0.1");
    let r = anon.sign_in(SUPPORT.0, &big).await;
    assert_eq!(r.status, 413, "{}", r.body);
    let mut admin = env.signed_in(ADMIN_A).await;
    let r = admin.submit("/console/afmelden", &[("x", &big)]).await;
    assert_eq!(r.status, 413);
    assert_eq!(admin.get("/console/locaties").await.status, 200, "still signed in");
    env.api.shutdown().await.unwrap();
}

/// `uwlr serve` serves the console beside the API on one listener, and says where; a
/// support account added with `uwlr account add` signs in there.
#[test]
fn serve_serves_the_console() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    crate::cli_support::ok(&crate::cli_support::uwlr(
        dir.path(),
        &["account", "add", SUPPORT.0, "--role", "support"],
        Some(&format!("{}\n", SUPPORT.1)),
    ));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_uwlr"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (mut api_line, mut console_line) = (String::new(), String::new());
    stdout.read_line(&mut api_line).unwrap();
    stdout.read_line(&mut console_line).unwrap();
    let base = api_line.trim().strip_prefix("admin API: ").unwrap().trim_end_matches("/api/v1").to_string();
    assert_eq!(console_line.trim(), format!("console: {base}/console/ (accounts: `uwlr account add`)"));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut client = Client { http: c, base: base.clone(), cookies: HashMap::new(), seen: Arc::default() };
        assert_eq!(client.sign_in(SUPPORT.0, SUPPORT.1).await.status, 303);
        assert_eq!(client.get("/console/locaties").await.status, 200);
        assert_eq!(client.get("/api/v1/health").await.status, 200);
    });
    let stopped = crate::serve_support::stop(&mut child, &mut stdout);
    assert!(stopped.status.success(), "{}", stopped.err);
}
