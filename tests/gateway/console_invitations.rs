//! Accounts from invitations, the mails that link to their page, the handshake's mails, and
//! the console over HTTPS, over real loopback HTTP(S) on SQLite:
//! - the authorization matrix of the invitation routes (anonymous, teacher A, admin A,
//!   admin B, support; CSRF on both forms), and a used, expired or made-up link refused
//!   with one and the same page;
//! - a teacher's invitation mail (file transport) carries a link under the public URL that
//!   sets the password once, after which the teacher signs in, sees school A only, and the
//!   store holds only the link's digest;
//! - request, approval, rejection and revocation mail the school's admins (and support,
//!   for a request), each linking to the "Koppelen met LAS" page;
//! - `uwlr serve --tls-cert --tls-key` answers over HTTPS with Secure cookies, and
//!   `--trusted-proxy` makes the sign-in throttle count the forwarded address.

use crate::console::{csrf_of, start, Client, Env, Page, A, ADMIN_A, ADMIN_B, B, SUPPORT, TEACHER_A};
use crate::log_capture::LogCapture;
use crate::store_support::SCHOOLJAAR;

use std::collections::BTreeSet;
use std::path::Path;
use uwlr::clock::Clock;
use uwlr::console::accounts;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::Gateway;
use uwlr::koppeling::Kind;
use uwlr::notify::{MailTransport, Notification};
use uwlr::store::outbox;

/// The routes [`the_invitation_routes_matrix`] exercises.
pub const MATRIX_ROUTES: &[(&str, &str)] = &[
    ("GET", "/console/uitnodiging"),
    ("POST", "/console/uitnodiging"),
    ("GET", "/console/uitnodigen"),
    ("POST", "/console/uitnodigen"),
];

/// The new teacher the tests invite.
pub const NEW_TEACHER: (&str, &str) = ("meester@school-a.nl", "wachtwoord-van-de-meester");

/// Queues the invitation an applied import queues for a new teacher of `location`.
pub async fn queue_invitation(env: &Env, email: &str, name: &str, location: &str) {
    let n = Notification::TeacherInvitation { school: location.into(), teacher_name: name.into(), email: email.into() };
    let mut conn = env.gw.store().pool().acquire().await.unwrap();
    outbox::push(&mut conn, email, &serde_json::to_string(&n).unwrap(), env.clock.now()).await.unwrap();
}

/// Sends what the outbox holds as `.eml` files into `dir`, with links under `public_url`.
pub async fn send_mail(gw: &Gateway, dir: &Path, public_url: Option<String>) {
    let gw = gw.with_settings(|s| s.public_url = public_url);
    let r = gw.send_mail(&MailTransport::File(dir.to_path_buf()), 100).await.unwrap();
    assert_eq!(r.retrying + r.failed, 0, "{r:?}");
}

/// Every mail in `dir`, decoded: (its headers and text).
pub fn mails(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.map(|e| decode(&std::fs::read_to_string(e.unwrap().path()).unwrap())).collect()
}

/// A mail's text as a reader sees it: quoted-printable undone (lettre uses it for a
/// body with accents or long lines, such as a link).
fn decode(eml: &str) -> String {
    let eml = eml.replace("\r\n", "\n");
    if !eml.contains("Content-Transfer-Encoding: quoted-printable") {
        return eml;
    }
    let joined = eml.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The mail to `to`, the only one.
pub fn mail_to(dir: &Path, to: &str) -> String {
    let all: Vec<String> = mails(dir).into_iter().filter(|m| m.contains(&format!("\nTo: {to}\n"))).collect();
    assert_eq!(all.len(), 1, "one mail to {to}: {all:?}");
    all.into_iter().next().unwrap()
}

/// The invitation link in a mail: `…/console/uitnodiging?code=<64 hex>`.
pub fn invitation_link(mail: &str) -> String {
    let at = mail.find("/console/uitnodiging?code=").unwrap_or_else(|| panic!("no invitation link: {mail}"));
    let start = mail[..at].rfind(|c: char| c.is_whitespace() || c == '(').map_or(0, |i| i + 1);
    let end = at + "/console/uitnodiging?code=".len() + 64;
    mail[start..end].to_string()
}

/// A made-up link, a used one and an expired one get this same page.
fn assert_refused_link(page: &Page) {
    assert_eq!(page.status, 410, "{}", page.body);
    assert!(page.body.contains("Deze uitnodigingslink werkt niet (meer)"), "{}", page.body);
    assert!(!page.body.contains("wachtwoord\" type=\"password"), "no form: {}", page.body);
}

#[tokio::test]
async fn the_invitation_routes_matrix() {
    let env = start().await;
    let mail = tempfile::tempdir().unwrap();
    let mut covered = BTreeSet::new();
    let people: [(&str, Option<(&str, &str)>); 5] = [
        ("anonymous", None),
        ("teacher A", Some(TEACHER_A)),
        ("admin A", Some(ADMIN_A)),
        ("admin B", Some(ADMIN_B)),
        ("support", Some(SUPPORT)),
    ];
    for (who, account) in people {
        let mut c = match account {
            None => env.client("127.0.0.1"),
            Some(a) => env.signed_in(a).await,
        };
        // The link's page is open to everyone, and a made-up or missing code gets the refusal.
        for path in [
            "/console/uitnodiging",
            "/console/uitnodiging?code=",
            &format!("/console/uitnodiging?code={}", "ab".repeat(32)),
        ] {
            assert_refused_link(&c.get(path).await);
        }
        covered.insert(("GET", "/console/uitnodiging"));
        // Its form needs the form's own token, whoever posts it.
        let fields = [("code", "ab".repeat(32)), ("wachtwoord", "x".repeat(20)), ("herhaling", "x".repeat(20))];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(c.post("/console/uitnodiging", &fields).await.status, 403, "{who} without CSRF");
        let mut forged = vec![("csrf", "0".repeat(64))];
        forged.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(c.post("/console/uitnodiging", &forged).await.status, 403, "{who} with a forged CSRF");
        covered.insert(("POST", "/console/uitnodiging"));

        // Inviting a school admin: support only, for any location; the others get 403 and
        // nothing of the other school.
        let page = c.get("/console/uitnodigen").await;
        covered.insert(("GET", "/console/uitnodigen"));
        match account {
            None => assert_eq!((page.status, page.location.as_deref()), (303, Some("/console/aanmelden"))),
            Some(a) if a == SUPPORT => {
                assert_eq!(page.status, 200);
                assert!(page.body.contains("UITNODIGEN"));
            }
            Some(_) => {
                assert_eq!(page.status, 403, "{who}");
                assert!(!page.body.contains("UITNODIGEN") && !page.body.contains(B));
            }
        }
        covered.insert(("POST", "/console/uitnodigen"));
        for loc in [A, B] {
            let email = format!("nieuw-{}@school.nl", loc.to_lowercase());
            let fields = [("email", email.as_str()), ("naam", "Nieuwe beheerder"), ("locatie", loc)];
            let expect = if account.is_none() { 401 } else { 403 };
            assert_eq!(c.post("/console/uitnodigen", &fields).await.status, expect, "{who} without CSRF");
            let zeros = "0".repeat(64);
            let mut forged = vec![("csrf", zeros.as_str())];
            forged.extend_from_slice(&fields);
            assert_eq!(c.post("/console/uitnodigen", &forged).await.status, expect, "{who} forged CSRF");
            if account.is_none() {
                continue;
            }
            let r = c.submit("/console/uitnodigen", &fields).await;
            if account == Some(SUPPORT) {
                assert_eq!(r.status, 303, "{}", r.body);
            } else {
                assert_eq!(r.status, 403, "{who} invites for {loc}");
                assert!(!r.body.contains(B));
            }
        }
    }
    let mine: BTreeSet<(&str, &str)> = MATRIX_ROUTES.iter().copied().collect();
    assert_eq!(covered, mine);

    // Only support's two invitations were queued; sent, they make two school-admin
    // accounts for their location each (no password yet) and carry a working link.
    let queued = env.gw.outbox(100).await.unwrap();
    assert_eq!(queued.len(), 2, "{queued:?}");
    send_mail(&env.gw, mail.path(), None).await;
    for loc in [A, B] {
        let email = format!("nieuw-{}@school.nl", loc.to_lowercase());
        let text = mail_to(mail.path(), &email);
        assert!(text.contains("(/console/uitnodiging?code="), "named in words without a public URL: {text}");
        let list = accounts::list_accounts(&env.gw).await.unwrap();
        let (row, locations) = list.iter().find(|(r, _)| r.email == email).unwrap();
        assert_eq!(
            (row.role.as_str(), row.has_password, locations.as_slice()),
            ("school-admin", false, [loc.to_string()].as_slice())
        );
    }
    let admin_b = mail_to(mail.path(), "nieuw-99df00@school.nl");
    let link = invitation_link(&admin_b);
    let mut b = env.client("127.0.0.3");
    let form = b.get(&link).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("99DF00") && !form.body.contains(A));
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_teacher_sets_a_password_from_the_invitation_mail_once_and_signs_in() {
    let (logs, _guard) = LogCapture::start();
    let env = start().await;
    let mail = tempfile::tempdir().unwrap();
    queue_invitation(&env, NEW_TEACHER.0, "Meester Bas", A).await;
    send_mail(&env.gw, mail.path(), Some(format!("{}/", env.api.base_url()))).await;
    let text = mail_to(mail.path(), NEW_TEACHER.0);
    let link = invitation_link(&text);
    assert!(link.starts_with(&format!("{}/console/uitnodiging?code=", env.api.base_url())), "{link}");
    let code = link.rsplit('=').next().unwrap().to_string();
    // The store holds the digest only: no table has the code itself.
    let dump: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM invitations").fetch_all(env.gw.store().pool()).await.unwrap();
    assert_eq!(dump, [accounts::token_digest(&code)]);
    let outbox = serde_json::to_string(&env.gw.outbox(100).await.unwrap()).unwrap();
    assert!(!outbox.contains(&code), "the outbox never holds the link");

    let path = link.trim_start_matches(&env.api.base_url()).to_string();
    let mut t = env.client("127.0.0.4");
    // Signing in before the password is set fails like any wrong password.
    assert_eq!(t.sign_in(NEW_TEACHER.0, NEW_TEACHER.1).await.status, 401);
    let form = t.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(NEW_TEACHER.0) && form.body.contains("WACHTWOORD INSTELLEN"));
    let csrf = csrf_of(&form.body).unwrap();
    // Opening the link twice (a mail scanner) uses nothing up.
    assert_eq!(t.get(&path).await.status, 200);
    let csrf2 = csrf_of(&t.get(&path).await.body).unwrap();
    assert_ne!(csrf, csrf2);
    // The rules: the same password twice, at least 12 characters.
    let post = |pw: &'static str, again: &'static str| {
        [("code", code.clone()), ("wachtwoord", pw.to_string()), ("herhaling", again.to_string())]
    };
    let send = |fields: [(&'static str, String); 3], token: String| {
        let mut all = vec![("csrf", token)];
        all.extend(fields);
        all
    };
    for (fields, needle) in
        [(post("kort", "kort"), "minstens 12 tekens"), (post(NEW_TEACHER.1, "iets-anders-dan-dat"), "niet gelijk")]
    {
        let all = send(fields, csrf2.clone());
        let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = t.post("/console/uitnodiging", &all).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains(needle), "{}", r.body);
    }
    let all = send(post(NEW_TEACHER.1, NEW_TEACHER.1), csrf_of(&t.get(&path).await.body).unwrap());
    let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let set = t.post("/console/uitnodiging", &all).await;
    assert_eq!((set.status, set.location.as_deref()), (303, Some("/console/aanmelden?melding=wachtwoord-ingesteld")));
    assert!(!set.body.contains(NEW_TEACHER.1));

    // Replayed: the page and the form refuse, the password stays.
    assert_refused_link(&t.get(&path).await);
    let form = t.get("/console/aanmelden").await;
    let mut replay = vec![("csrf", csrf_of(&form.body).unwrap())];
    replay.extend(post("een-ander-wachtwoord", "een-ander-wachtwoord"));
    let replay: Vec<(&str, &str)> = replay.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_refused_link(&t.post("/console/uitnodiging", &replay).await);

    // The teacher signs in and sees school A only, read-only.
    let signed = t.sign_in(NEW_TEACHER.0, NEW_TEACHER.1).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let overview = t.get("/console/locaties").await;
    assert!(overview.body.contains(A) && !overview.body.contains(B), "{}", overview.body);
    assert_eq!(t.get(&format!("/console/locaties/{B}/koppelen")).await.status, 404);
    let list = accounts::list_accounts(&env.gw).await.unwrap();
    let (row, locations) = list.iter().find(|(r, _)| r.email == NEW_TEACHER.0).unwrap();
    assert_eq!((row.role.as_str(), locations.as_slice()), ("teacher", [A.to_string()].as_slice()));
    let trail = env.gw.audit_trail(A).await.unwrap();
    assert!(trail.iter().any(|a| a.actor == NEW_TEACHER.0 && a.action == "invitation-accepted"), "{trail:?}");
    assert!(!serde_json::to_string(&trail).unwrap().contains(&code));

    // A second invitation (another school) for the same teacher grants it and links to
    // the sign-in: the password is not set again.
    queue_invitation(&env, NEW_TEACHER.0, "Meester Bas", B).await;
    let again = tempfile::tempdir().unwrap();
    send_mail(&env.gw, again.path(), Some(env.api.base_url())).await;
    let text = mail_to(again.path(), NEW_TEACHER.0);
    assert!(!text.contains("code=") && text.contains("/console/aanmelden"), "{text}");
    env.api.shutdown().await.unwrap();

    // Neither the link's code nor the password in any log line (captured at TRACE).
    let logged = logs.text();
    assert!(logged.contains("/console/uitnodiging"), "the requests were logged: {logged}");
    assert!(!logged.contains(&code) && !logged.contains(NEW_TEACHER.1), "{logged}");
}

#[tokio::test]
async fn an_expired_invitation_link_is_refused() {
    let env = start().await;
    let mail = tempfile::tempdir().unwrap();
    queue_invitation(&env, NEW_TEACHER.0, "Meester Bas", A).await;
    send_mail(&env.gw, mail.path(), None).await;
    let link = invitation_link(&mail_to(mail.path(), NEW_TEACHER.0));
    let mut t = env.client("127.0.0.5");
    env.clock.advance(chrono::Duration::days(7) - chrono::Duration::minutes(1));
    let form = t.get(&link).await;
    assert_eq!(form.status, 200, "still open just before 7 days");
    env.clock.advance(chrono::Duration::minutes(2));
    assert_refused_link(&t.get(&link).await);
    let code = link.rsplit('=').next().unwrap().to_string();
    let fields = [
        ("csrf", csrf_of(&form.body).unwrap()),
        ("code", code),
        ("wachtwoord", NEW_TEACHER.1.into()),
        ("herhaling", NEW_TEACHER.1.into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_refused_link(&t.post("/console/uitnodiging", &fields).await);
    let list = accounts::list_accounts(&env.gw).await.unwrap();
    assert!(!list.iter().find(|(r, _)| r.email == NEW_TEACHER.0).unwrap().0.has_password);
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_handshake_mails_the_school_and_support_with_links_to_the_koppelen_page() {
    let env = start().await;
    env.gw.add_school_admin(A, "mail-beheer@school-a.nl", "test").await.unwrap();
    let base = "https://uwlr.example.nl";
    let request = |reason: Option<&str>| KoppelingRequest {
        location: A.into(),
        schooljaar: SCHOOLJAAR.into(),
        kind: Kind::Parnassys,
        endpoint: Some(env.las.endpoint.clone()),
        key: None,
        reason: reason.map(str::to_string),
    };
    let expect = |dir: &Path, to: &str, subject: &str, needles: &[&str]| {
        let m = mail_to(dir, to);
        assert!(m.contains(subject), "{subject} in {m}");
        assert!(m.contains(&format!("{base}/console/locaties/{A}/koppelen")), "{m}");
        for n in needles {
            assert!(m.contains(n), "{n} in {m}");
        }
    };
    // Received: to both of the school's addresses and to support.
    let k = env.gw.request_koppeling(&request(None), ADMIN_A.0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    send_mail(&env.gw, dir.path(), Some(base.into())).await;
    assert_eq!(mails(dir.path()).len(), 3);
    for to in [ADMIN_A.0, "mail-beheer@school-a.nl"] {
        expect(dir.path(), to, "Aanvraag koppeling ontvangen", &[&format!("Koppeling {}: ParnasSys", k.id)]);
    }
    expect(dir.path(), SUPPORT.0, "Nieuwe aanvraag koppeling", &["Keur hem goed of wijs hem af"]);
    assert!(mails(dir.path()).iter().all(|m| !m.contains(ADMIN_B.0) && !m.contains(&format!("\nTo: {}", ADMIN_B.0))));

    // Rejected, with the reason; the school's admins only.
    env.gw.reject_koppeling(k.id, SUPPORT.0, "Dit BRIN is onbekend bij ons").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    send_mail(&env.gw, dir.path(), Some(base.into())).await;
    assert_eq!(mails(dir.path()).len(), 2);
    expect(dir.path(), ADMIN_A.0, "Koppeling afgewezen", &["Reden: Dit BRIN is onbekend bij ons"]);

    // Approved, then revoked.
    let k = env.gw.request_koppeling(&request(None), ADMIN_A.0).await.unwrap();
    env.gw.approve_koppeling(k.id, SUPPORT.0, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    send_mail(&env.gw, dir.path(), Some(base.into())).await;
    assert_eq!(mails(dir.path()).len(), 5, "received ×3, approved ×2");
    let approved: Vec<String> = mails(dir.path()).into_iter().filter(|m| m.contains("Koppeling goedgekeurd")).collect();
    assert_eq!(approved.len(), 2);
    env.gw.revoke_koppeling(k.id, ADMIN_A.0, Some("nieuw LAS")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    send_mail(&env.gw, dir.path(), None).await;
    assert_eq!(mails(dir.path()).len(), 2);
    let m = mail_to(dir.path(), ADMIN_A.0);
    assert!(m.contains("Koppeling ingetrokken") && m.contains("(reden: nieuw LAS)"), "{m}");
    assert!(
        m.contains(&format!("'Koppelen met LAS'\n(/console/locaties/{A}/koppelen)")),
        "in words without a URL: {m}"
    );
    env.api.shutdown().await.unwrap();
}

/// A certificate for 127.0.0.1 from a throwaway CA: (CA PEM, cert PEM, key PEM).
fn certificate() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "console test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::from_params(&ca, &ca_key);
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    (ca_pem, cert.pem(), key.serialize_pem())
}

#[test]
fn uwlr_serve_serves_the_console_over_https_with_secure_cookies_and_believes_only_a_trusted_proxy() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificate();
    std::fs::write(dir.path().join("cert.pem"), &cert).unwrap();
    std::fs::write(dir.path().join("key.pem"), &key).unwrap();
    crate::cli_support::ok(&crate::cli_support::uwlr(
        dir.path(),
        &["account", "add", ADMIN_A.0, "--role", "school-admin"],
        Some(&format!("{}\n", ADMIN_A.1)),
    ));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_uwlr"))
        .args(["serve", "--listen", "127.0.0.1:0", "--trusted-proxy", "127.0.0.1", "--tls-cert"])
        .arg(dir.path().join("cert.pem"))
        .arg("--tls-key")
        .arg(dir.path().join("key.pem"))
        .arg("--data-dir")
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
    assert!(base.starts_with("https://127.0.0.1:"), "{api_line}");
    assert_eq!(console_line.trim(), format!("console: {base}/console/ (accounts: `uwlr account add`)"));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tls_certs_only([reqwest::Certificate::from_pem(ca.as_bytes()).unwrap()])
            .build()
            .unwrap();
        // Every cookie is Secure under TLS, without --secure-cookies.
        let r = http.get(format!("{base}/console/aanmelden")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let cookies: Vec<String> =
            r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert!(!cookies.is_empty() && cookies.iter().all(|c| c.contains("; Secure")), "{cookies:?}");
        // Plain HTTP on the same port gets no page.
        let plain = reqwest::Client::new().get(base.replace("https://", "http://") + "/console/aanmelden").send().await;
        assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));

        // Behind the trusted proxy (this test, from 127.0.0.1): the forwarded address is
        // the one the throttle counts. Six wrong tries "from" 192.0.2.7 lock that pair…
        let mut c = Client::over(http.clone(), base.clone());
        for _ in 0..3 {
            let r = c.sign_in_from(ADMIN_A.0, "geraden-wachtwoord", "192.0.2.7").await;
            assert_eq!(r.status, 401, "{}", r.body);
        }
        let r = c.sign_in_from(ADMIN_A.0, ADMIN_A.1, "192.0.2.7").await;
        assert_eq!(r.status, 429, "that address is slowed down, even with the right password");
        // …while the owner, forwarded from another address, signs in.
        let mut owner = Client::over(http.clone(), base.clone());
        let r = owner.sign_in_from(ADMIN_A.0, ADMIN_A.1, "198.51.100.9").await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(owner.get("/console/locaties").await.status, 200);
    });
    let stopped = crate::serve_support::stop(&mut child, &mut stdout);
    assert!(stopped.status.success(), "{}", stopped.err);
    assert!(!stopped.err.contains(ADMIN_A.1), "no password in the log");
}

/// In headless Chromium: a teacher opens the link from the invitation mail, sets a password,
/// signs in and sees the school; the link opened again is refused; support invites a school
/// admin. Screenshots as in `console_browser`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_sets_a_password_from_the_invitation_link_in_chromium() {
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
    let base = env.api.base_url();
    let mail = tempfile::tempdir().unwrap();
    queue_invitation(&env, NEW_TEACHER.0, "Meester Bas", A).await;
    send_mail(&env.gw, mail.path(), Some(base.clone())).await;
    let link = invitation_link(&mail_to(mail.path(), NEW_TEACHER.0));
    assert!(link.starts_with(&base), "{link}");
    let driver = start_driver(&driver);
    let c = browser(&driver, &chromium).await;

    // The link from the mail: the form, the address filled in.
    c.goto(&link).await.unwrap();
    let path = link.trim_start_matches(&base);
    arrive(&c, path).await;
    assert_eq!(text_of(&c, "h1").await, "Wachtwoord instellen");
    assert!(text_of(&c, "main").await.contains("Meester Bas"));
    shoot(&c, "uitnodiging-wachtwoord").await;
    c.find(Locator::Id("wachtwoord")).await.unwrap().send_keys(NEW_TEACHER.1).await.unwrap();
    c.find(Locator::Id("herhaling")).await.unwrap().send_keys(NEW_TEACHER.1).await.unwrap();
    c.find(Locator::XPath("//button[normalize-space()='WACHTWOORD INSTELLEN']")).await.unwrap().click().await.unwrap();

    // Then the sign-in, with its notice.
    arrive(&c, "/console/aanmelden?melding=wachtwoord-ingesteld").await;
    assert_eq!(text_of(&c, ".melding").await, "Je wachtwoord is ingesteld. Meld je nu aan.");
    c.find(Locator::Id("email")).await.unwrap().send_keys(NEW_TEACHER.0).await.unwrap();
    c.find(Locator::Id("wachtwoord")).await.unwrap().send_keys(NEW_TEACHER.1).await.unwrap();
    c.find(Locator::XPath("//button[normalize-space()='AANMELDEN']")).await.unwrap().click().await.unwrap();
    arrive(&c, "/console/locaties").await;
    let body = text_of(&c, "main").await;
    assert!(body.contains(A) && !body.contains(B), "{body}");
    assert!(text_of(&c, "header").await.contains("Meester Bas (Leerkracht)"));

    // The same link again: refused.
    c.goto(&link).await.unwrap();
    arrive(&c, path).await;
    assert!(text_of(&c, ".fout").await.contains("Deze uitnodigingslink werkt niet (meer)"));
    shoot(&c, "uitnodiging-ongeldig").await;

    // Support invites a school admin.
    c.goto(&format!("{base}/console/locaties")).await.unwrap();
    arrive(&c, "/console/locaties").await;
    c.find(Locator::XPath("//button[normalize-space()='Afmelden']")).await.unwrap().click().await.unwrap();
    arrive(&c, "/console/aanmelden?melding=afgemeld").await;
    c.find(Locator::Id("email")).await.unwrap().send_keys(SUPPORT.0).await.unwrap();
    c.find(Locator::Id("wachtwoord")).await.unwrap().send_keys(SUPPORT.1).await.unwrap();
    c.find(Locator::XPath("//button[normalize-space()='AANMELDEN']")).await.unwrap().click().await.unwrap();
    arrive(&c, "/console/locaties").await;
    c.find(Locator::LinkText("Beheerder uitnodigen")).await.unwrap().click().await.unwrap();
    arrive(&c, "/console/uitnodigen").await;
    c.find(Locator::Id("email")).await.unwrap().send_keys("nieuw@school-b.nl").await.unwrap();
    c.find(Locator::Id("naam")).await.unwrap().send_keys("Nieuwe beheerder").await.unwrap();
    c.find(Locator::Id("locatie")).await.unwrap().send_keys(B).await.unwrap();
    shoot(&c, "uitnodigen").await;
    c.find(Locator::XPath("//button[normalize-space()='UITNODIGEN']")).await.unwrap().click().await.unwrap();
    arrive(&c, "/console/uitnodigen?melding=uitgenodigd").await;
    assert_eq!(text_of(&c, ".melding").await, "De uitnodiging is verstuurd.");
    let queued = env.gw.outbox(10).await.unwrap();
    assert!(queued.iter().any(|e| e.recipient == "nieuw@school-b.nl"), "{queued:?}");

    c.close().await.unwrap();
    drop(driver);
    env.api.shutdown().await.unwrap();
}

/// The invitation rows and the handshake's recipients on SQLite and PostgreSQL: a link
/// works once, two instances cannot both use it, it expires; a request mails the school's
/// admins and support.
#[tokio::test]
async fn invitations_and_handshake_mails_on_both_stores() {
    use crate::store_support::{clock, databases, gateway};
    use uwlr::console::invitations::{self, Invite};
    for db in databases().await {
        let clock = clock();
        let (one, two) = (gateway(&db, clock.clone()).await, gateway(&db, clock.clone()).await);
        let Invite::Link(code) =
            invitations::prepare(&one, NEW_TEACHER.0, "Bas", accounts::Role::Teacher, A).await.unwrap()
        else {
            panic!("a new account gets a link");
        };
        assert_eq!(invitations::check(&two, &code).await.unwrap().unwrap().location, A, "{}", db.name);
        let (a, b) = tokio::join!(
            invitations::accept(&one, &code, NEW_TEACHER.1),
            invitations::accept(&two, &code, "een-ander-wachtwoord")
        );
        assert_eq!([a.unwrap().is_some(), b.unwrap().is_some()].iter().filter(|x| **x).count(), 1, "{}", db.name);
        assert!(invitations::check(&one, &code).await.unwrap().is_none());
        // Another teacher's link expires.
        let Invite::Link(late) =
            invitations::prepare(&one, "laat@school-a.nl", "", accounts::Role::Teacher, A).await.unwrap()
        else {
            panic!("a link");
        };
        clock.advance(chrono::Duration::days(8));
        assert!(invitations::accept(&two, &late, NEW_TEACHER.1).await.unwrap().is_none(), "{}", db.name);

        accounts::add_account(&one, SUPPORT.0, "", accounts::Role::Support, None, "test").await.unwrap();
        accounts::add_account(&one, ADMIN_A.0, "", accounts::Role::SchoolAdmin, None, "test").await.unwrap();
        accounts::grant(&one, ADMIN_A.0, A, "test").await.unwrap();
        let req = KoppelingRequest {
            location: A.into(),
            schooljaar: SCHOOLJAAR.into(),
            kind: Kind::Parnassys,
            endpoint: Some("https://las.example/uwlr".into()),
            key: None,
            reason: None,
        };
        two.request_koppeling(&req, ADMIN_A.0).await.unwrap();
        let mut to: Vec<String> = one.outbox(10).await.unwrap().into_iter().map(|e| e.recipient).collect();
        to.sort();
        assert_eq!(to, [ADMIN_A.0, SUPPORT.0], "{}", db.name);
    }
}
