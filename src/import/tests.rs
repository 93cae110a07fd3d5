//! The rules of an import proposal, one test (or a few) per rule, each failing if its rule
//! breaks. Small hand-written answers show a rule; generated schools show it holds at scale.

use super::testkit::*;
use super::*;
use crate::generate::{school, SchoolSpec};
use crate::message::leerlinggegevens::{GroepItem, Leerlinggegevens};

fn full(known: &Snapshot, answer: &Leerlinggegevens, decisions: &[Decision]) -> Proposal {
    propose(known, answer, FetchMode::Full, decisions, &Settings::default()).expect("decisions apply")
}

fn delta(known: &Snapshot, answer: &Leerlinggegevens) -> Proposal {
    propose(known, answer, FetchMode::Delta, &[], &Settings::default()).expect("no decisions")
}

fn pupil(key: &str) -> RecordRef {
    RecordRef::new(Tab::Leerlingen, key)
}

fn teacher(key: &str) -> RecordRef {
    RecordRef::new(Tab::Leerkrachten, key)
}

fn group(key: &str) -> RecordRef {
    RecordRef::new(Tab::Groepen, key)
}

fn item<'p, F>(items: &'p [Item<F>], key: &str) -> &'p Item<F> {
    items.iter().find(|i| i.record.key == key).unwrap_or_else(|| panic!("no item {key}"))
}

fn existing(id: i64, reason: LinkReason) -> Category {
    Category::Existing { id, reason }
}

fn skip(reason: SkipReason) -> Category {
    Category::Skip { reason }
}

fn change(field: &str, from: Option<&str>, to: Option<&str>) -> FieldChange {
    FieldChange { field: field.into(), from: from.map(Into::into), to: to.map(Into::into) }
}

fn piet() -> crate::message::leerlinggegevens::Naam {
    naam("Piet", Some("de"), "Vries")
}

/// One group G5 (known as 10), pupils as given.
fn one_group(leerlingen: Vec<crate::message::leerlinggegevens::Leerling>) -> Leerlinggegevens {
    answer(vec![groep("G5", "5A", "5")], vec![], leerlingen)
}

fn known_one_group() -> Snapshot {
    Snapshot { groepen: vec![known_groep(10, "5A", Some("5"), Some("G5"))], ..Snapshot::default() }
}

// Rule 1: automatic matching by external keys of this link, eckid first.

#[test]
fn eckid_links_before_las_key_even_for_a_later_record() {
    let mut known = known_one_group();
    let mut a = known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("K-A"));
    a.external.as_mut().unwrap().eckid = Some("E1".into());
    known.leerlingen.push(a);
    known.leerlingen.push(known_leerling(21, &piet(), (2015, 3, 2), Some(10), Some("K-B")));
    // L1 carries A's LAS key, L2 carries A's eckid and B's LAS key: the eckid wins, so A goes
    // to L2 and L1 is new even though it comes first.
    let l1 = leerling("K-A", piet(), (2015, 3, 2), Some("G5"));
    let mut l2 = leerling("K-B", piet(), (2015, 3, 2), Some("G5"));
    l2.eckid = Some("E1".into());
    let p = full(&known, &one_group(vec![l1, l2]), &[]);
    assert_eq!(item(&p.leerlingen, "K-B").category, existing(20, LinkReason::SameEckid));
    assert_eq!(item(&p.leerlingen, "K-A").category, Category::New);
}

#[test]
fn las_key_links_when_no_eckid_does() {
    let mut known = known_one_group();
    known.leerlingen.push(known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1")));
    known.leerkrachten.push(known_leerkracht(30, &naam("Anna", None, "Bakker"), None, &[], Some("T1")));
    let mut l = leerling("L1", naam("Pieter", Some("de"), "Vries"), (2015, 3, 2), Some("G5"));
    l.eckid = Some("E-unknown".into());
    let mut a = one_group(vec![l]);
    a.leerkrachten.push(leerkracht("T1", naam("Anna", None, "Bakker"), Some("a@school.example"), &[]));
    let p = full(&known, &a, &[]);
    assert_eq!(item(&p.leerlingen, "L1").category, existing(20, LinkReason::SameLasKey));
    assert_eq!(item(&p.leerkrachten, "T1").category, existing(30, LinkReason::SameLasKey));
}

#[test]
fn records_that_never_came_in_through_this_link_are_never_linked_automatically() {
    let mut known = Snapshot::default();
    known.groepen.push(known_groep(10, "5A", Some("5"), None));
    known.leerlingen.push(known_leerling(20, &piet(), (2015, 3, 2), Some(10), None));
    // Same everything, and the known records' ids even equal the incoming keys.
    let a = answer(vec![groep("10", "5A", "5")], vec![], vec![leerling("20", piet(), (2015, 3, 2), Some("10"))]);
    let p = full(&known, &a, &[]);
    assert_eq!(p.groepen[0].category, Category::New);
    assert_eq!(p.leerlingen[0].category, Category::New);
    assert!(p.deactivations.is_empty(), "not from this link, so not deactivated either");
}

// Rule 2: candidates for new records, suggestions only.

#[test]
fn pupil_candidates_need_name_and_birth_date_or_name_and_group() {
    let mut known = Snapshot::default();
    known.groepen.push(known_groep(10, "5A", Some("5"), None));
    known.groepen.push(known_groep(11, "6B", Some("6"), None));
    let spaced = naam("  piet ", Some("DE"), " vries");
    known.leerlingen.extend([
        known_leerling(25, &spaced, (2015, 3, 2), Some(11), None), // name + date (case, spaces)
        known_leerling(22, &piet(), (2014, 1, 1), Some(10), None), // name + group
        known_leerling(23, &piet(), (2014, 1, 1), Some(11), None), // name only: no
        known_leerling(24, &naam("Piet", None, "Vries"), (2015, 3, 2), Some(10), None), // other voorvoegsel
    ]);
    let mut inactive = known_leerling(21, &piet(), (2015, 3, 2), Some(10), None);
    inactive.active = false;
    known.leerlingen.push(inactive);
    // Linked to another incoming pupil by key: spoken for.
    known.leerlingen.push(known_leerling(26, &piet(), (2015, 3, 2), Some(10), Some("OTHER")));
    let a = answer(
        vec![groep("G5", "5A", "5")],
        vec![],
        vec![leerling("L1", piet(), (2015, 3, 2), Some("G5")), leerling("OTHER", piet(), (2015, 3, 2), Some("G5"))],
    );
    let p = full(&known, &a, &[]);
    let l1 = item(&p.leerlingen, "L1");
    assert_eq!(l1.category, Category::New, "candidates are never applied");
    let got: Vec<(i64, CandidateReason)> = l1.candidates.iter().map(|c| (c.id, c.reason)).collect();
    assert_eq!(got, vec![(22, CandidateReason::NameAndGroup), (25, CandidateReason::NameAndBirthDate)]);
    assert_eq!(l1.candidates[0].label, "de Vries, Piet (groep 5A)");
}

#[test]
fn teacher_candidates_by_email_then_name_and_group_candidates_by_name() {
    let mut known = Snapshot::default();
    known.groepen.push(known_groep(10, "5a", Some("5"), None));
    let anna = naam("Anna", None, "Bakker");
    known.leerkrachten.extend([
        known_leerkracht(31, &anna, Some("A.Bakker@School.example"), &[], None),
        known_leerkracht(32, &naam("Ans", None, "Bakker"), Some("a.bakker@school.example "), &[], None),
        known_leerkracht(33, &anna, None, &[], None),
        known_leerkracht(34, &naam("Bob", None, "Smit"), None, &[], None),
    ]);
    let a = answer(
        vec![groep("G5", "5A", "5")],
        vec![leerkracht("T1", anna.clone(), Some("a.bakker@school.example"), &["G5"])],
        vec![],
    );
    let p = full(&known, &a, &[]);
    let t = &p.leerkrachten[0];
    assert_eq!(t.category, Category::New);
    let got: Vec<(i64, CandidateReason)> = t.candidates.iter().map(|c| (c.id, c.reason)).collect();
    assert_eq!(
        got,
        vec![(31, CandidateReason::SameEmail), (32, CandidateReason::SameEmail), (33, CandidateReason::SameName)]
    );
    let g = &p.groepen[0];
    assert_eq!(g.category, Category::New);
    assert_eq!(
        g.candidates.iter().map(|c| (c.id, c.reason)).collect::<Vec<_>>(),
        [(10, CandidateReason::SameGroupName)]
    );
}

// Rule 3: changes of existing records.

#[test]
fn existing_pupil_lists_every_changed_field_with_group_names() {
    let mut known = Snapshot::default();
    known.groepen.extend([
        known_groep(10, "5A", Some("5"), Some("G5")),
        known_groep(11, "6B", Some("6"), Some("G6")),
        KnownGroep { samengesteld: true, jaargroep: None, ..known_groep(12, "Plusklas", None, Some("S1")) },
        KnownGroep { samengesteld: true, jaargroep: None, ..known_groep(13, "Taalgroep", None, Some("S2")) },
        KnownGroep { samengesteld: true, jaargroep: None, ..known_groep(14, "RT", None, Some("S3")) },
    ]);
    let mut k = known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1"));
    k.samengestelde_groepen = vec![12];
    known.leerlingen.push(k);
    let mut l = leerling("L1", naam("Pieter", Some("van"), "Vries-Smit"), (2015, 3, 4), Some("G6"));
    l.naam.voorletters = Some("P.J.".into());
    l.geslacht = Some(crate::message::values::Geslacht::Meisje);
    l.jaargroep = Some(crate::message::values::Jaargroep::G6);
    l.samengestelde_groepen = vec!["S3".into(), "S2".into()];
    l.eckid = Some("https://ketenid.nl/201".into());
    let a = answer(
        vec![groep("G5", "5A", "5"), groep("G6", "6B", "6"), samengesteld("S1", "Plusklas")]
            .into_iter()
            .chain([samengesteld("S2", "Taalgroep"), samengesteld("S3", "RT")])
            .collect(),
        vec![],
        vec![l],
    );
    let p = full(&known, &a, &[]);
    let i = item(&p.leerlingen, "L1");
    assert_eq!(i.category, existing(20, LinkReason::SameLasKey));
    assert_eq!(
        i.changes,
        vec![
            change("achternaam", Some("Vries"), Some("Vries-Smit")),
            change("voorvoegsel", Some("de"), Some("van")),
            change("voorletters", Some("P."), Some("P.J.")),
            change("roepnaam", Some("Piet"), Some("Pieter")),
            change("geboortedatum", Some("2015-03-02"), Some("2015-03-04")),
            change("geslacht", Some("1"), Some("2")),
            change("jaargroep", Some("5"), Some("6")),
            change("groep", Some("5A"), Some("6B")),
            change("samengestelde_groepen", Some("Plusklas"), Some("RT, Taalgroep")),
            change("eckid", None, Some("https://ketenid.nl/201")),
        ]
    );
    assert!(i.candidates.is_empty());
}

#[test]
fn existing_teacher_and_group_changes() {
    let mut known = Snapshot::default();
    known.groepen.extend([known_groep(10, "5A", Some("5"), Some("G5")), known_groep(11, "6B", Some("6"), Some("G6"))]);
    let anna = naam("Anna", None, "Bakker");
    known.leerkrachten.push(known_leerkracht(30, &anna, Some("anna@school.example"), &[10], Some("T1")));
    let mut t = leerkracht("T1", anna, Some("a.bakker@school.example"), &["G6", "G5"]);
    t.eckid = Some("E-T1".into());
    let a = answer(vec![groep("G5", "5A", "5"), groep("G6", "6C", "7")], vec![t], vec![]);
    let p = full(&known, &a, &[]);
    assert_eq!(
        item(&p.leerkrachten, "T1").changes,
        vec![
            change("emailadres", Some("anna@school.example"), Some("a.bakker@school.example")),
            change("groepen", Some("5A"), Some("5A, 6C")),
            change("eckid", None, Some("E-T1")),
        ]
    );
    assert_eq!(
        item(&p.groepen, "G6").changes,
        vec![change("naam", Some("6B"), Some("6C")), change("jaargroep", Some("6"), Some("7"))]
    );
    assert!(p.groepen.iter().all(|g| g.record.key != "G5"), "unchanged group not listed");
}

#[test]
fn las_key_newly_sent_for_a_record_matched_by_eckid_is_a_change() {
    let mut known = known_one_group();
    let mut k = known_leerling(20, &piet(), (2015, 3, 2), Some(10), None);
    k.external = ext(None, Some("E1"));
    known.leerlingen.push(k);
    let mut l = leerling("L1", piet(), (2015, 3, 2), Some("G5"));
    l.eckid = Some("E1".into());
    let p = full(&known, &one_group(vec![l]), &[]);
    let i = item(&p.leerlingen, "L1");
    assert_eq!(i.category, existing(20, LinkReason::SameEckid));
    assert_eq!(i.changes, vec![change("las_key", None, Some("L1"))]);
}

#[test]
fn unchanged_records_are_counted_not_listed_and_returning_inactive_ones_are_listed() {
    let mut known = known_one_group();
    known.leerlingen.push(known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1")));
    let mut gone = known_leerling(21, &naam("Emma", None, "Jong"), (2014, 1, 9), Some(10), Some("L2"));
    gone.active = false;
    known.leerlingen.push(gone);
    let a = one_group(vec![
        leerling("L1", piet(), (2015, 3, 2), Some("G5")),
        leerling("L2", naam("Emma", None, "Jong"), (2014, 1, 9), Some("G5")),
    ]);
    let p = full(&known, &a, &[]);
    assert_eq!(p.leerlingen.len(), 1);
    assert_eq!(p.leerlingen[0].record, pupil("L2"));
    assert_eq!(p.leerlingen[0].changes, vec![change("active", Some("no"), Some("yes"))]);
    assert_eq!((p.summary.leerlingen.unchanged, p.summary.leerlingen.existing_changed), (1, 1));
    assert_eq!(p.summary.groepen.unchanged, 1);
    assert!(p.summary.changes.contains(&"back: leerling Emma Jong".to_string()), "{:?}", p.summary.changes);
}

#[test]
fn a_renamed_group_keeps_its_pupils_and_blank_text_is_no_change() {
    let mut known = known_one_group();
    let mut k = known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1"));
    k.achternaam = Some("Vries ".into());
    known.leerlingen.push(k);
    let mut l = leerling("L1", piet(), (2015, 3, 2), Some("G5"));
    l.naam.roepnaam = Some("  Piet".into());
    let a = answer(vec![groep("G5", "5B", "5")], vec![], vec![l]);
    let p = full(&known, &a, &[]);
    assert!(p.leerlingen.is_empty(), "{:?}", p.leerlingen);
    assert_eq!(p.groepen[0].changes, vec![change("naam", Some("5A"), Some("5B"))]);
    assert_eq!(p.summary.changes, vec!["rename: groep 5A to groep 5B"]);
}

#[test]
fn a_las_without_email_does_not_erase_a_known_address() {
    let anna = naam("Anna", None, "Bakker");
    let known = Snapshot {
        leerkrachten: vec![known_leerkracht(30, &anna, Some("anna@school.example"), &[], Some("T1"))],
        ..Snapshot::default()
    };
    let a = answer(vec![], vec![leerkracht("T1", anna, None, &[])], vec![]);
    let p = full(&known, &a, &[]);
    assert!(p.leerkrachten.is_empty(), "{:?}", p.leerkrachten);
    assert_eq!(p.summary.leerkrachten.unchanged, 1);
}

// Rule 4: skips.

#[test]
fn skip_marker_skips_as_earlier_and_is_not_pending() {
    let mut known = known_one_group();
    known.leerlingen.push(known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1")));
    known.skipped.push(SkipMarker { tab: Tab::Leerlingen, key: "L2".into() });
    let a = one_group(vec![
        leerling("L1", piet(), (2015, 3, 2), Some("G5")),
        leerling("L2", naam("Emma", None, "Jong"), (2014, 1, 9), Some("G5")),
    ]);
    let p = full(&known, &a, &[]);
    assert_eq!(item(&p.leerlingen, "L2").category, skip(SkipReason::Earlier));
    assert!(p.is_empty());
    assert_eq!((p.summary.leerlingen.skip, p.summary.leerlingen.skipped_earlier), (0, 1));
    let p = full(&known, &a, &[Decision::Unskip { record: pupil("L2") }]);
    assert_eq!(item(&p.leerlingen, "L2").category, Category::New);
}

#[test]
fn of_two_known_records_under_one_key_the_active_one_is_linked() {
    let mut known = known_one_group();
    let mut old = known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1"));
    old.active = false;
    known.leerlingen.push(old);
    known.leerlingen.push(known_leerling(21, &piet(), (2015, 3, 2), Some(10), Some("L1")));
    let p = full(&known, &one_group(vec![leerling("L1", piet(), (2015, 3, 2), Some("G5"))]), &[]);
    assert!(p.is_empty(), "{:?}", p.leerlingen);
}

#[test]
fn skip_decision_is_admin_and_pending() {
    let known = known_one_group();
    let a = one_group(vec![]);
    let p = full(&known, &a, &[Decision::Skip { record: group("G5") }]);
    assert_eq!(p.groepen[0].category, skip(SkipReason::Admin));
    assert!(!p.is_empty());
    assert_eq!(p.summary.groepen.skip, 1);
    assert!(p.deactivations.is_empty(), "a skipped known group is left alone, not deactivated");
}

#[test]
fn a_skipped_group_takes_along_only_pupils_in_no_other_imported_group() {
    let a = answer(
        vec![groep("G5", "5A", "5"), samengesteld("S1", "Plusklas")],
        vec![leerkracht("T1", naam("Anna", None, "Bakker"), Some("a@school.example"), &["G5", "S1"])],
        vec![
            leerling("L1", piet(), (2015, 3, 2), None),
            leerling("L2", naam("Emma", None, "Jong"), (2014, 1, 9), Some("G5")),
            leerling("L3", naam("Sam", None, "Geen"), (2014, 1, 9), None),
        ],
    );
    let mut a = a;
    a.leerlingen[0].samengestelde_groepen = vec!["S1".into()];
    a.leerlingen[1].samengestelde_groepen = vec!["S1".into()];
    let p = full(&Snapshot::default(), &a, &[Decision::Skip { record: group("S1") }]);
    let cascaded = skip(SkipReason::GroupSkipped { groep: "S1".into() });
    assert_eq!(item(&p.leerlingen, "L1").category, cascaded);
    assert_eq!(item(&p.leerlingen, "L2").category, Category::New, "also in 5A");
    assert!(item(&p.leerlingen, "L2").fields.samengestelde_groepen.is_empty(), "no link to a skipped group");
    assert_eq!(item(&p.leerlingen, "L3").category, Category::New, "in no group at all");
    assert_eq!(item(&p.leerkrachten, "T1").fields.groepen, vec!["G5"]);
    assert_eq!(p.summary.leerlingen.skip, 1, "a consequence of an admin skip is news");
    assert!(p.summary.changes.contains(&"skip: leerling Piet de Vries (group Plusklas skipped)".to_string()));

    // Unskip on the pupil overrides the cascade.
    let p = full(
        &Snapshot::default(),
        &a,
        &[Decision::Skip { record: group("S1") }, Decision::Unskip { record: pupil("L1") }],
    );
    assert_eq!(item(&p.leerlingen, "L1").category, Category::New);
}

#[test]
fn a_group_skipped_earlier_cascades_the_same_way_and_unskip_lifts_markers() {
    let mut a = answer(vec![samengesteld("S1", "Plusklas")], vec![], vec![leerling("L1", piet(), (2015, 3, 2), None)]);
    a.leerlingen[0].samengestelde_groepen = vec!["S1".into()];
    let known = Snapshot { skipped: vec![SkipMarker { tab: Tab::Groepen, key: "S1".into() }], ..Snapshot::default() };
    let p = full(&known, &a, &[]);
    assert_eq!(p.groepen[0].category, skip(SkipReason::Earlier));
    assert_eq!(p.leerlingen[0].category, skip(SkipReason::GroupSkipped { groep: "S1".into() }));
    assert!(p.is_empty(), "both follow from an earlier decision");
    assert_eq!(p.summary.leerlingen.skipped_earlier, 1);

    let p = full(&known, &a, &[Decision::Unskip { record: group("S1") }]);
    assert_eq!(p.groepen[0].category, Category::New);
    assert_eq!(p.leerlingen[0].category, Category::New);
    assert_eq!(p.leerlingen[0].fields.samengestelde_groepen, vec!["S1"]);
}

#[test]
fn in_a_delta_a_group_skipped_earlier_that_was_not_sent_still_cascades() {
    let mut l = leerling("L1", piet(), (2015, 3, 2), None);
    l.samengestelde_groepen = vec!["S1".into()];
    let known = Snapshot { skipped: vec![SkipMarker { tab: Tab::Groepen, key: "S1".into() }], ..Snapshot::default() };
    let p = delta(&known, &answer(vec![], vec![], vec![l]));
    assert_eq!(p.leerlingen[0].category, skip(SkipReason::GroupSkipped { groep: "S1".into() }));
}

// Rule 5: teachers' e-mail.

#[test]
fn teachers_without_email_are_flagged_until_an_admin_fills_one_in() {
    let anna = naam("Anna", None, "Bakker");
    let known = Snapshot {
        leerkrachten: vec![known_leerkracht(30, &naam("Bob", None, "Smit"), None, &[], Some("T2"))],
        ..Snapshot::default()
    };
    let a = answer(
        vec![],
        vec![leerkracht("T1", anna, None, &[]), leerkracht("T2", naam("Bob", None, "Smid"), None, &[])],
        vec![],
    );
    let p = full(&known, &a, &[]);
    assert_eq!(item(&p.leerkrachten, "T1").flags, vec![Flag::NoEmail], "new");
    assert_eq!(item(&p.leerkrachten, "T2").flags, vec![Flag::NoEmail], "existing");
    assert!(p.summary.changes.contains(&"e-mail missing: leerkracht Anna Bakker".to_string()));

    let d = [Decision::Email { record: teacher("T1"), email: " anna@school.example ".into() }];
    let p = full(&known, &a, &d);
    let t1 = item(&p.leerkrachten, "T1");
    assert_eq!(t1.fields.emailadres.as_deref(), Some("anna@school.example"));
    assert!(t1.flags.is_empty());
}

#[test]
fn email_decisions_are_for_teachers_and_must_look_like_an_address() {
    let a = answer(
        vec![],
        vec![leerkracht("T1", naam("Anna", None, "Bakker"), None, &[])],
        vec![leerling("L1", piet(), (2015, 3, 2), None)],
    );
    let err = |d: Decision| propose(&Snapshot::default(), &a, FetchMode::Full, &[d], &Settings::default()).unwrap_err();
    let e = err(Decision::Email { record: pupil("L1"), email: "p@school.example".into() });
    assert_eq!(e.to_string(), "leerlingen/L1: only a teacher (leerkrachten) has an e-mail address to fill in");
    for bad in ["Anna Bakker", "anna@", "@school.example", "anna@school", "an na@school.example", "a@b@c.nl"] {
        let e = err(Decision::Email { record: teacher("T1"), email: bad.into() });
        assert!(matches!(e, DecisionError::InvalidEmail { .. }), "{bad}: {e}");
    }
    assert_eq!(
        err(Decision::Email { record: teacher("T1"), email: "06-12345678".into() }).to_string(),
        "leerkrachten/T1: '06-12345678' does not look like an e-mail address"
    );
}

// Rule 6: deactivations.

fn known_school_of_three() -> Snapshot {
    let mut known = known_one_group();
    known.groepen.push(known_groep(11, "6B", Some("6"), Some("G6")));
    known.groepen.push(known_groep(12, "7C", Some("7"), None));
    known.leerkrachten.push(known_leerkracht(30, &naam("Bob", None, "Smit"), None, &[11], Some("T9")));
    known.leerlingen.extend([
        known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1")),
        known_leerling(21, &naam("Kees", None, "Weg"), (2014, 5, 5), Some(11), Some("L9")),
        known_leerling(22, &naam("Hand", None, "Matig"), (2014, 5, 5), Some(11), None),
    ]);
    let mut inactive = known_leerling(23, &naam("Oud", None, "Weg"), (2012, 5, 5), Some(11), Some("L8"));
    inactive.active = false;
    known.leerlingen.push(inactive);
    known
}

#[test]
fn a_full_answer_deactivates_gone_records_that_came_in_through_this_link() {
    let known = known_school_of_three();
    let a = one_group(vec![leerling("L1", piet(), (2015, 3, 2), Some("G5"))]);
    let p = full(&known, &a, &[]);
    let got: Vec<(Tab, i64, &str)> = p.deactivations.iter().map(|d| (d.tab, d.id, d.label.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (Tab::Groepen, 11, "groep 6B"),
            (Tab::Leerkrachten, 30, "Smit, Bob"),
            (Tab::Leerlingen, 21, "Weg, Kees (groep 6B)"),
        ]
    );
    assert_eq!(p.summary.leerlingen.deactivations, 1);
    assert!(p.summary.changes.contains(&"leaver: Weg, Kees (groep 6B)".to_string()));
}

#[test]
fn a_delta_answer_never_deactivates() {
    let known = known_school_of_three();
    let p = delta(&known, &one_group(vec![]));
    assert!(p.deactivations.is_empty());
    assert!(!p.safety.needs_override);
}

// Rule 7: the safety check.

fn school_of(n: usize) -> Snapshot {
    let mut known = known_one_group();
    for i in 0..n {
        let key = format!("L{i}");
        known.leerlingen.push(known_leerling(100 + i as i64, &piet(), (2015, 3, 2), Some(10), Some(&key)));
    }
    known
}

fn answer_keeping(n: usize) -> Leerlinggegevens {
    one_group((0..n).map(|i| leerling(&format!("L{i}"), piet(), (2015, 3, 2), Some("G5"))).collect())
}

#[test]
fn deactivating_more_than_the_allowed_share_needs_an_override() {
    let known = school_of(10);
    let p = full(&known, &answer_keeping(8), &[]);
    assert_eq!((p.safety.active_pupils, p.safety.deactivating), (10, 2));
    assert!((p.safety.share - 0.2).abs() < 1e-9);
    assert!(!p.safety.needs_override, "exactly the limit is allowed");
    let p = full(&known, &answer_keeping(7), &[]);
    assert!(p.safety.needs_override);
    let strict = Settings { max_deactivation_share: 0.1 };
    let p = propose(&known, &answer_keeping(8), FetchMode::Full, &[], &strict).unwrap();
    assert!(p.safety.needs_override);
}

#[test]
fn an_empty_full_answer_trips_the_safety_check() {
    let p = full(&school_of(10), &answer_keeping(0), &[]);
    assert_eq!(p.safety.deactivating, 10);
    assert!(p.safety.needs_override);
    // Even when the known pupils never came in through this link (nothing to deactivate).
    let mut known = school_of(3);
    known.leerlingen.iter_mut().for_each(|l| l.external = None);
    let p = full(&known, &answer_keeping(0), &[]);
    assert_eq!(p.safety.deactivating, 0);
    assert!(p.safety.needs_override);
    // No known pupils: share 0, nothing to protect.
    let p = full(&Snapshot::default(), &answer_keeping(0), &[]);
    assert_eq!((p.safety.share, p.safety.needs_override), (0.0, false));
}

// Rule 8: determinism, and a re-fetch of applied data proposes nothing.

#[test]
fn items_follow_the_answer_and_the_same_input_gives_the_same_proposal() {
    let a = school(&SchoolSpec { pupils: 120, seed: 5, ..SchoolSpec::default() });
    let p = full(&Snapshot::default(), &a, &[]);
    let keys: Vec<&str> = p.leerlingen.iter().map(|i| i.record.key.as_str()).collect();
    let want: Vec<&str> = a.leerlingen.iter().map(|l| l.key.as_deref().unwrap()).collect();
    assert_eq!(keys, want);
    let groups: Vec<&str> = p.groepen.iter().map(|i| i.record.key.as_str()).collect();
    assert_eq!(groups, a.groepen.iter().map(|g| g.key()).collect::<Vec<_>>());
    assert_eq!(p, full(&Snapshot::default(), &a, &[]));
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Proposal>(&json).unwrap(), p);
    assert_eq!(json, serde_json::to_string(&full(&Snapshot::default(), &a, &[])).unwrap());
}

#[test]
fn a_refetch_of_applied_data_proposes_nothing() {
    let a = school(&SchoolSpec { pupils: 1500, seed: 11, ..SchoolSpec::default() });
    let first = full(&Snapshot::default(), &a, &[]);
    assert_eq!(first.summary.leerlingen.new, 1500);
    assert!(first.leerkrachten.iter().any(|t| t.flags.contains(&Flag::NoEmail)), "the generator leaves some out");
    let known = applied(&Snapshot::default(), &first);
    assert_eq!(known.leerlingen.iter().map(|l| l.id).max(), Some(1500), "ids 1..n");
    let again = full(&known, &a, &[]);
    assert!(again.is_empty(), "{:#?}", again.summary);
    assert_eq!(again.summary.leerlingen.unchanged, 1500);
    assert!(again.summary.changes.is_empty(), "{:?}", again.summary.changes);
    assert!(delta(&known, &a).is_empty());
}

#[test]
fn decisions_and_changes_applied_then_refetched_propose_nothing() {
    let mut a = school(&SchoolSpec { pupils: 200, seed: 3, ..SchoolSpec::default() });
    let composed = a.groepen.iter().rev().find(|g| matches!(g, GroepItem::SamengesteldeGroep(_))).unwrap().key();
    let no_email = a.leerkrachten.iter().find(|t| t.emailadres.is_none()).map(|t| t.key.clone());
    let mut d = vec![
        Decision::Skip { record: group(composed) },
        Decision::Skip { record: pupil(a.leerlingen[0].key.as_deref().unwrap()) },
    ];
    if let Some(k) = no_email {
        d.push(Decision::Email { record: teacher(&k), email: "nieuw@school.example".into() });
    }
    let first = full(&Snapshot::default(), &a, &d);
    let known = applied(&Snapshot::default(), &first);
    assert!(full(&known, &a, &[]).is_empty());

    // The LAS changes: a pupil moves, a group is renamed, a pupil leaves.
    let target = a.groepen.iter().find(|g| matches!(g, GroepItem::Groep(_))).unwrap().key().to_string();
    let mover = a.leerlingen.iter().position(|l| l.groep.as_deref() != Some(target.as_str())).unwrap();
    a.leerlingen[mover].groep = Some(target.clone());
    if let GroepItem::Groep(g) = &mut a.groepen[1] {
        g.naam = "Nieuwe naam".into();
    }
    a.leerlingen.pop();
    let second = full(&known, &a, &[]);
    assert!(!second.is_empty());
    assert_eq!(second.summary.leerlingen.existing_changed, 1);
    assert_eq!(second.summary.leerlingen.deactivations, 1);
    assert!(second.summary.changes.iter().any(|c| c.starts_with("move: ")), "{:?}", second.summary.changes);
    let known = applied(&known, &second);
    assert!(full(&known, &a, &[]).is_empty());
}

// Rule 9: linking by hand, and undoing a link.

#[test]
fn a_link_decision_makes_the_record_existing_and_computes_its_changes() {
    let mut known = known_one_group();
    known.leerlingen.push(known_leerling(20, &naam("Pieter", Some("de"), "Vries"), (2015, 3, 2), Some(10), None));
    let a = one_group(vec![leerling("L1", piet(), (2015, 3, 2), Some("G5"))]);
    let p = full(&known, &a, &[Decision::Link { record: pupil("L1"), to: 20 }]);
    let i = &p.leerlingen[0];
    assert_eq!(i.category, existing(20, LinkReason::Manual));
    assert_eq!(i.changes, vec![change("roepnaam", Some("Pieter"), Some("Piet")), change("las_key", None, Some("L1"))]);
    assert!(i.candidates.is_empty());
    assert_eq!(LinkReason::Manual.to_string(), "linked by admin");
}

#[test]
fn a_new_decision_drops_an_automatic_link() {
    let mut known = known_one_group();
    known.leerlingen.push(known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1")));
    let a = one_group(vec![leerling("L1", piet(), (2015, 3, 2), Some("G5"))]);
    let p = full(&known, &a, &[Decision::New { record: pupil("L1") }]);
    assert_eq!(p.leerlingen[0].category, Category::New);
    assert_eq!(p.leerlingen[0].candidates.iter().map(|c| c.id).collect::<Vec<_>>(), [20], "free again");
    assert_eq!(p.deactivations.iter().map(|d| d.id).collect::<Vec<_>>(), [20], "its keys go to the new record");
}

#[test]
fn decision_errors_name_the_record_and_the_problem() {
    let mut known = known_one_group();
    known.leerlingen.push(known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1")));
    known.leerlingen.push(known_leerling(21, &piet(), (2015, 3, 2), Some(10), None));
    let a = one_group(vec![
        leerling("L1", piet(), (2015, 3, 2), Some("G5")),
        leerling("L2", piet(), (2015, 3, 2), Some("G5")),
    ]);
    let err = |d: &[Decision]| propose(&known, &a, FetchMode::Full, d, &Settings::default()).unwrap_err().to_string();
    assert_eq!(err(&[Decision::Skip { record: pupil("L123") }]), "leerlingen/L123: no such record in this LAS answer");
    assert_eq!(
        err(&[Decision::Link { record: pupil("L2"), to: 99 }]),
        "leerlingen/L2: cannot link to 99: no known leerlingen record has id 99"
    );
    assert_eq!(
        err(&[Decision::Link { record: pupil("L2"), to: 10 }]),
        "leerlingen/L2: cannot link to 10: 10 is a groepen record, not a leerlingen record"
    );
    assert_eq!(
        err(&[Decision::Link { record: pupil("L2"), to: 20 }]),
        "leerlingen/L2: cannot link to 20: 20 is already linked to leerlingen/L1; make that one new first"
    );
    assert_eq!(
        err(&[Decision::Link { record: pupil("L2"), to: 21 }, Decision::Link { record: pupil("L1"), to: 21 }]),
        "leerlingen/L1: cannot link to 21: 21 is already linked to leerlingen/L2; make that one new first"
    );
    // In the other order it works: free 20 first, then take it.
    let d = [Decision::New { record: pupil("L1") }, Decision::Link { record: pupil("L2"), to: 20 }];
    let p = full(&known, &a, &d);
    assert_eq!(item(&p.leerlingen, "L2").category, existing(20, LinkReason::Manual));
    assert_eq!(item(&p.leerlingen, "L1").category, Category::New);
}

#[test]
fn decisions_are_stored_as_tagged_json() {
    let d = Decision::Link { record: pupil("L1"), to: 12 };
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(json, r#"{"action":"link","record":{"tab":"leerlingen","key":"L1"},"to":12}"#);
    assert_eq!(serde_json::from_str::<Decision>(&json).unwrap(), d);
    let e: Decision =
        serde_json::from_str(r#"{"action":"email","record":{"tab":"leerkrachten","key":"T1"},"email":"a@b.nl"}"#)
            .unwrap();
    assert_eq!(e, Decision::Email { record: teacher("T1"), email: "a@b.nl".into() });
}

// Group references.

#[test]
fn a_delta_pupil_in_a_group_that_was_not_sent_resolves_through_the_known_group() {
    let mut known = known_one_group();
    known.groepen.push(known_groep(11, "6B", Some("6"), Some("G6")));
    known.leerlingen.push(known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1")));
    let a = answer(vec![], vec![], vec![leerling("L1", piet(), (2015, 3, 2), Some("G6"))]);
    let p = delta(&known, &a);
    assert_eq!(p.leerlingen[0].changes, vec![change("groep", Some("5A"), Some("6B"))]);
    assert_eq!(p.leerlingen[0].fields.groep.as_deref(), Some("G6"));
    assert_eq!(p.group_names.get("G6").map(String::as_str), Some("6B"));
    assert_eq!(p.summary.changes, vec!["move: Piet de Vries from 5A to 6B"]);
    // In a full answer the same reference is a LAS error: flagged and left out.
    let p = full(&known, &a, &[]);
    assert_eq!(p.leerlingen[0].flags, vec![Flag::UnknownGroup { key: "G6".into() }]);
    assert_eq!(p.leerlingen[0].fields.groep, None);
}

#[test]
fn summary_lines_say_what_happens_in_proposal_order() {
    let mut known = known_one_group();
    known.leerlingen.push(known_leerling(20, &piet(), (2015, 3, 2), Some(10), Some("L1")));
    let a = answer(
        vec![groep("G5", "5A", "5"), groep("G6", "6B", "6")],
        vec![leerkracht("T1", naam("Anna", None, "Bakker"), None, &["G6"])],
        vec![
            leerling("L1", naam("Piet", Some("de"), "Vries-Smit"), (2015, 3, 2), Some("G6")),
            leerling("L2", naam("Emma", None, "Jong"), (2014, 1, 9), Some("G6")),
        ],
    );
    let p = full(&known, &a, &[]);
    assert_eq!(
        p.summary.changes,
        vec![
            "new: groep 6B",
            "new: leerkracht Anna Bakker",
            "e-mail missing: leerkracht Anna Bakker",
            "move: Piet de Vries-Smit from 5A to 6B",
            "rename: leerling Piet de Vries to Piet de Vries-Smit",
            "new: leerling Emma Jong in 6B",
        ]
    );
    assert_eq!(p.summary.leerlingen, TabSummary { new: 1, existing_changed: 1, ..TabSummary::default() });
}

#[test]
fn a_pupil_without_las_key_is_named_by_its_eckid() {
    let mut l = leerling("x", piet(), (2015, 3, 2), None);
    l.key = None;
    l.eckid = Some("https://ketenid.nl/abc".into());
    let known = Snapshot {
        skipped: vec![SkipMarker { tab: Tab::Leerlingen, key: "https://ketenid.nl/abc".into() }],
        ..Snapshot::default()
    };
    let p = full(&known, &answer(vec![], vec![], vec![l]), &[]);
    assert_eq!(p.leerlingen[0].record, pupil("https://ketenid.nl/abc"));
    assert_eq!(p.leerlingen[0].category, skip(SkipReason::Earlier));
}

// Rule 8: a new record with a strong candidate (same eckid, or same name and birth date) is
// undecided until an admin links it or says create it anyway; no silent duplicates.

/// Piet (2015-03-02) known as 25 by name and birth date, and as 22 by name and group only.
fn known_piet_twice() -> Snapshot {
    let mut known = known_one_group();
    known.groepen.push(known_groep(11, "6B", Some("6"), None));
    known.leerlingen.push(known_leerling(25, &piet(), (2015, 3, 2), Some(11), None));
    known.leerlingen.push(known_leerling(22, &piet(), (2014, 1, 1), Some(10), None));
    known
}

#[test]
fn a_new_pupil_with_a_strong_candidate_is_undecided_until_linked_or_created_anyway() {
    let known = known_piet_twice();
    let a = one_group(vec![
        leerling("L1", piet(), (2015, 3, 2), Some("G5")),
        // Only a weak candidate (22, same name and group): no hold-up.
        leerling("L2", piet(), (2016, 6, 6), Some("G5")),
    ]);
    let p = full(&known, &a, &[]);
    assert!(item(&p.leerlingen, "L1").is_undecided());
    assert!(!item(&p.leerlingen, "L2").is_undecided(), "{:?}", item(&p.leerlingen, "L2").candidates);
    assert_eq!(p.summary.leerlingen.undecided, 1);
    let u = p.undecided();
    assert_eq!(u.len(), 1);
    assert_eq!(
        u[0].to_string(),
        "leerlingen/L1 Piet de Vries: same name and birth date as 25 (de Vries, Piet (groep 6B))"
    );
    assert!(
        p.summary.changes.last().unwrap().starts_with("undecided: leerlingen/L1 Piet de Vries"),
        "{:?}",
        p.summary.changes
    );
    assert_eq!(p.suggested_links(), vec![Decision::Link { record: pupil("L1"), to: 25 }]);

    // Linked: existing, nothing undecided.
    let linked = full(&known, &a, &p.suggested_links());
    assert_eq!(item(&linked.leerlingen, "L1").category, existing(25, LinkReason::Manual));
    assert_eq!(linked.summary.leerlingen.undecided, 0);
    // Created anyway: new, with its candidates still shown, and decided.
    let anyway = full(&known, &a, &[Decision::New { record: pupil("L1") }]);
    let l1 = item(&anyway.leerlingen, "L1");
    assert_eq!((l1.category.clone(), l1.create_anyway, l1.is_undecided()), (Category::New, true, false));
    assert!(!l1.candidates.is_empty());
    assert!(anyway.undecided().is_empty());
    // A link after "new" wins, and a "new" after a link drops it again.
    let d = [Decision::New { record: pupil("L1") }, Decision::Link { record: pupil("L1"), to: 25 }];
    assert!(!item(&full(&known, &a, &d).leerlingen, "L1").create_anyway);
    let d = [Decision::Link { record: pupil("L1"), to: 25 }, Decision::New { record: pupil("L1") }];
    assert!(full(&known, &a, &d).undecided().is_empty());
}

#[test]
fn the_same_eckid_through_another_link_is_a_strong_candidate_even_under_another_name() {
    let mut known = known_one_group();
    let mut anna = known_leerling(30, &naam("Anna", None, "Smit"), (2015, 1, 1), Some(10), None);
    anna.eckid = Some("https://ketenid.nl/anna".into());
    anna.active = false; // archived: still the same child
    known.leerlingen.push(anna);
    let mut l = leerling("NEWKEY", naam("Anne", None, "Smit-Jansen"), (2015, 1, 1), Some("G5"));
    l.eckid = Some("https://ketenid.nl/anna".into());
    let p = full(&known, &one_group(vec![l]), &[]);
    let item = item(&p.leerlingen, "NEWKEY");
    assert_eq!(item.category, Category::New, "another link's key never links by itself");
    assert_eq!(
        item.candidates.iter().map(|c| (c.id, c.reason)).collect::<Vec<_>>(),
        [(30, CandidateReason::SameEckid)]
    );
    assert!(item.is_undecided());
    assert_eq!(p.suggested_links(), vec![Decision::Link { record: pupil("NEWKEY"), to: 30 }]);
}

#[test]
fn accepting_suggestions_leaves_what_is_ambiguous_to_the_admin() {
    // A doubled store: Piet twice with the same name and birth date.
    let mut known = known_piet_twice();
    known.leerlingen.push(known_leerling(27, &piet(), (2015, 3, 2), Some(11), None));
    // Emma once, but sent twice by the LAS.
    let emma = naam("Emma", None, "Jong");
    known.leerlingen.push(known_leerling(40, &emma, (2014, 1, 9), Some(10), None));
    let kees = naam("Kees", None, "Bos");
    known.leerlingen.push(known_leerling(41, &kees, (2014, 5, 5), Some(10), None));
    let a = one_group(vec![
        leerling("L1", piet(), (2015, 3, 2), Some("G5")),
        leerling("E1", emma.clone(), (2014, 1, 9), Some("G5")),
        leerling("E2", emma, (2014, 1, 9), Some("G5")),
        leerling("K1", kees, (2014, 5, 5), Some("G5")),
    ]);
    let p = full(&known, &a, &[]);
    assert_eq!(p.summary.leerlingen.undecided, 4);
    assert_eq!(p.suggested_links(), vec![Decision::Link { record: pupil("K1"), to: 41 }]);
    let after = full(&known, &a, &p.suggested_links());
    let left: Vec<String> = after.undecided().iter().map(|u| u.record.key.clone()).collect();
    assert_eq!(left, ["L1", "E1", "E2"]);
    assert_eq!(after.undecided()[0].candidates.len(), 2, "both Piets are named");
}
