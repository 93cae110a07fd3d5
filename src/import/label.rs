//! Records as people read them, for summary lines, deactivations, candidates and tables.
//! Two forms: running text ("Piet de Vries") and list form ("de Vries, Piet"), the way a LAS
//! lists its pupils.

/// "Piet de Vries"; the voorletters stand in for a missing roepnaam.
pub(crate) fn person(
    achternaam: Option<&str>,
    voorvoegsel: Option<&str>,
    voorletters: Option<&str>,
    roepnaam: Option<&str>,
) -> String {
    let parts: Vec<&str> = [roepnaam.or(voorletters), voorvoegsel, achternaam].into_iter().flatten().collect();
    if parts.is_empty() {
        "(no name)".into()
    } else {
        parts.join(" ")
    }
}

/// "de Vries, Piet".
pub(crate) fn person_listed(
    achternaam: Option<&str>,
    voorvoegsel: Option<&str>,
    voorletters: Option<&str>,
    roepnaam: Option<&str>,
) -> String {
    let surname: Vec<&str> = [voorvoegsel, achternaam].into_iter().flatten().collect();
    match (surname.is_empty(), roepnaam.or(voorletters)) {
        (true, None) => "(no name)".into(),
        (true, Some(r)) => r.into(),
        (false, None) => surname.join(" "),
        (false, Some(r)) => format!("{}, {r}", surname.join(" ")),
    }
}

/// "groep 5A"; a name that already says "Groep 5" is left as it is.
pub(crate) fn groep(naam: &str) -> String {
    if naam.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("groep")) {
        naam.into()
    } else {
        format!("groep {naam}")
    }
}
