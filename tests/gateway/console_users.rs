//! The console's "Gebruikers" page of a location (src/console/users.rs) over real loopback
//! HTTP on SQLite: the authorization matrix over its routes (anonymous, teacher A, admin A,
//! admin B, support; CSRF on both forms), and a school admin's work with it: a teacher's
//! invitation expired, invited again, the new link sets the password; a teacher who left
//! loses the location at the next request of an open session; what may not be done is
//! refused with the reason and changes nothing.

use crate::console::{csrf_of, start, Env, A, ADMIN_A, ADMIN_B, B, SUPPORT, TEACHER_A};
use crate::console_invitations::{invitation_link, mail_to, queue_invitation, send_mail, NEW_TEACHER};

use chrono::Duration;
use std::collections::BTreeSet;
use uwlr::console::accounts;

/// The routes [`the_authorization_matrix_over_the_users_page`] exercises.
pub const MATRIX_ROUTES: &[(&str, &str)] = &[
    ("GET", "/console/locaties/{location}/gebruikers"),
    ("POST", "/console/locaties/{location}/gebruikers/{id}/uitnodigen"),
    ("POST", "/console/locaties/{location}/gebruikers/{id}/toegang-intrekken"),
];

async fn id_of(env: &Env, email: &str) -> i64 {
    let list = accounts::list_accounts(&env.gw).await.unwrap();
    list.iter().find(|(r, _)| r.email == email).unwrap_or_else(|| panic!("no account {email}")).0.id
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
async fn the_authorization_matrix_over_the_users_page() {
    let env = start().await;
    let teacher_a = id_of(&env, TEACHER_A.0).await;
    let admin_b = id_of(&env, ADMIN_B.0).await;
    let before = accounts::list_accounts(&env.gw).await.unwrap();
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
            let (account, theirs) = if loc == A { (teacher_a, TEACHER_A.0) } else { (admin_b, ADMIN_B.0) };
            let sees = match who {
                Who::Anonymous => false,
                Who::TeacherA | Who::AdminA => loc == A,
                Who::AdminB => loc == B,
                Who::Support => true,
            };
            let nothing_of = |body: &str| {
                assert!(!body.contains(loc), "{who:?}: the refusal names {loc}: {body}");
                assert!(!body.contains(theirs), "{who:?}: the refusal names {theirs}: {body}");
            };
            covered.insert(("GET", "/console/locaties/{location}/gebruikers".to_string()));
            let r = c.get(&format!("/console/locaties/{loc}/gebruikers")).await;
            match who {
                Who::Anonymous => assert_eq!(r.location.as_deref(), Some("/console/aanmelden")),
                _ if !sees => {
                    assert_eq!(r.status, 404, "{who:?} {loc}");
                    nothing_of(&r.body);
                }
                Who::TeacherA => {
                    assert_eq!(r.status, 403, "a teacher does not manage accounts");
                    assert!(!r.body.contains(ADMIN_A.0));
                }
                _ => {
                    assert_eq!(r.status, 200, "{who:?} {loc}: {}", r.body);
                    assert!(r.body.contains(theirs), "{who:?} sees {theirs}: {}", r.body);
                    assert!(!r.body.contains(SUPPORT.0), "support is nobody's grant");
                    let other = if loc == A { ADMIN_B.0 } else { ADMIN_A.0 };
                    assert!(!r.body.contains(other), "{who:?}: the other school's admin on {loc}");
                }
            }
            for action in ["uitnodigen", "toegang-intrekken"] {
                covered.insert(("POST", format!("/console/locaties/{{location}}/gebruikers/{{id}}/{action}")));
                let path = format!("/console/locaties/{loc}/gebruikers/{account}/{action}");
                let expect = if who == Who::Anonymous { 401 } else { 403 };
                assert_eq!(c.post(&path, &[]).await.status, expect, "{who:?} POST {path} without CSRF");
                let forged = "0".repeat(64);
                assert_eq!(c.post(&path, &[("csrf", &forged)]).await.status, expect, "{who:?} {path} forged CSRF");
                if who == Who::Anonymous {
                    continue;
                }
                if !sees {
                    let r = c.submit(&path, &[]).await;
                    assert_eq!(r.status, 404, "{who:?} POST {path}");
                    nothing_of(&r.body);
                } else if who == Who::TeacherA {
                    assert_eq!(c.submit(&path, &[]).await.status, 403, "{who:?} POST {path}");
                }
            }
        }
    }
    let mine: BTreeSet<(&str, String)> = MATRIX_ROUTES.iter().map(|(m, p)| (*m, p.to_string())).collect();
    assert_eq!(covered, mine, "the matrix exercised exactly its routes");
    assert_eq!(accounts::list_accounts(&env.gw).await.unwrap(), before, "the refusals changed nothing");
    assert!(env.gw.outbox(100).await.unwrap().is_empty(), "no invitation was queued");
    env.api.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_admin_invites_a_teacher_again_after_the_link_expired_and_takes_a_location_from_one_who_left() {
    let env = start().await;
    let base = env.api.base_url();
    let page = format!("/console/locaties/{A}/gebruikers");
    let mut admin = env.signed_in(ADMIN_A).await;

    // The import's invitation goes out; the page says until when its link works.
    let first = tempfile::tempdir().unwrap();
    queue_invitation(&env, NEW_TEACHER.0, "Meester Bas", A).await;
    send_mail(&env.gw, first.path(), Some(format!("{base}/"))).await;
    let old_link = invitation_link(&mail_to(first.path(), NEW_TEACHER.0));
    let r = admin.get(&page).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Meester Bas") && r.body.contains("Uitgenodigd, link geldig tot"), "{}", r.body);
    assert!(r.body.contains("Juf Anna") && r.body.contains("Actief"), "{}", r.body);
    assert!(!r.body.contains("code="), "the page never shows a link");

    // Eight days on, the link has expired: the page says so, the link is refused.
    env.clock.advance(Duration::days(8));
    let mut admin = env.signed_in(ADMIN_A).await; // the session ended after 8 idle hours
    let r = admin.get(&page).await;
    assert!(r.body.contains("Uitnodiging verlopen"), "{}", r.body);
    let mut t = env.client("127.0.0.4");
    assert_eq!(t.get(old_link.trim_start_matches(&base)).await.status, 410);

    // Invited again: a new mail with a new link, which sets the password.
    let bas = id_of(&env, NEW_TEACHER.0).await;
    let r = admin.submit(&format!("{page}/{bas}/uitnodigen"), &[]).await;
    assert_eq!(r.location, Some(format!("{page}?melding=opnieuw-uitgenodigd")), "{}", r.body);
    assert!(admin.get(r.location.as_deref().unwrap()).await.body.contains("opnieuw verstuurd"));
    let second = tempfile::tempdir().unwrap();
    send_mail(&env.gw, second.path(), Some(format!("{base}/"))).await;
    let link = invitation_link(&mail_to(second.path(), NEW_TEACHER.0));
    assert_ne!(link, old_link);
    let path = link.trim_start_matches(&base).to_string();
    let form = t.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let code = link.rsplit('=').next().unwrap();
    let csrf = csrf_of(&form.body).unwrap();
    let fields = [("csrf", csrf.as_str()), ("code", code), ("wachtwoord", NEW_TEACHER.1), ("herhaling", NEW_TEACHER.1)];
    assert_eq!(t.post("/console/uitnodiging", &fields).await.status, 303);
    assert_eq!(t.sign_in(NEW_TEACHER.0, NEW_TEACHER.1).await.status, 303);
    let r = admin.get(&page).await;
    assert!(!r.body.contains("Uitnodiging verlopen"), "{}", r.body);
    let trail = env.gw.audit_trail(A).await.unwrap();
    assert!(trail.iter().any(|a| a.actor == ADMIN_A.0 && a.action == "invite"), "{trail:?}");

    // Refused with the reason, nothing changed: an active account invited again, a school
    // admin's access taken, an account that is not this location's.
    let juf = id_of(&env, TEACHER_A.0).await;
    let r = admin.submit(&format!("{page}/{juf}/uitnodigen"), &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("kan niet opnieuw worden uitgenodigd"), "{}", r.body);
    let me = id_of(&env, ADMIN_A.0).await;
    let r = admin.submit(&format!("{page}/{me}/toegang-intrekken"), &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("klantenservice"), "{}", r.body);
    let b = id_of(&env, ADMIN_B.0).await;
    let r = admin.submit(&format!("{page}/{b}/toegang-intrekken"), &[]).await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(!r.body.contains(ADMIN_B.0) && !r.body.contains(B), "{}", r.body);
    let queued = env.gw.outbox(100).await.unwrap().into_iter().filter(|m| m.sent_at.is_none()).count();
    assert_eq!(queued, 0, "no mail from a refusal");

    // The teacher who left: signed in now, gone from A at the next request.
    let mut juf_session = env.signed_in(TEACHER_A).await;
    assert_eq!(juf_session.get(&format!("/console/locaties/{A}/koppelen")).await.status, 200);
    let r = admin.submit(&format!("{page}/{juf}/toegang-intrekken"), &[]).await;
    assert_eq!(r.location, Some(format!("{page}?melding=toegang-ingetrokken")), "{}", r.body);
    assert_eq!(juf_session.get(&format!("/console/locaties/{A}/koppelen")).await.status, 404);
    let r = admin.get(&page).await;
    assert!(!r.body.contains("Juf Anna") && r.body.contains("Meester Bas"), "{}", r.body);
    let trail = env.gw.audit_trail(A).await.unwrap();
    assert!(
        trail.iter().any(|a| a.actor == ADMIN_A.0 && a.action == "account-revoke"),
        "the revocation is audited: {trail:?}"
    );
    env.api.shutdown().await.unwrap();
}
