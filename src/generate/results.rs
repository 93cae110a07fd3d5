//! Synthetic results (`leerresultaten_verzoek`) for the pupils of a generated or decoded
//! school: what the test centre sends back to the LAS after norming.

use super::{ymd, AUTEUR};
use crate::message::leerlinggegevens::{GroepSoort, Leerlinggegevens, RolItem, SchoolIdentificatie};
use crate::message::leerresultaten::{
    Ingang, LeerresultatenVerzoek, Norm, Normering, Normkleur, OsoResultaat, Referentiescore, Resultaat,
    ResultaatWaarde, ResultatenSchool, Toets, Toetsafname, Toetsonderdeel, Toetsscore,
};
use crate::message::values::{DateTime, Decimal, Rol, SchoolId, Vocab};
use chrono::{Days, FixedOffset};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// What results to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsSpec {
    pub seed: u64,
    /// Results per pupil; each one is a sitting of the next test of the pupil's year, so
    /// more results than the year has tests means repeated sittings (with their own keys).
    pub per_pupil: usize,
    /// Only the first this many pupils get results (a nightly run rarely covers everyone).
    pub max_pupils: Option<usize>,
}

impl Default for ResultsSpec {
    fn default() -> Self {
        ResultsSpec { seed: 1, per_pupil: 2, max_pupils: None }
    }
}

/// Highest raw score of every generated test (the number of items).
const OPGAVEN: u64 = 60;

/// A subject: code, name, and its parts (code, name).
type Vak = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

/// The subjects, by code and name, with their parts. Kleuters (groep 1-2) take other tests.
const VAKKEN: &[Vak] = &[
    (
        "RW",
        "Rekenen-Wiskunde",
        &[("GET", "Getallen"), ("VH", "Verhoudingen"), ("MM", "Meten en meetkunde"), ("VB", "Verbanden")],
    ),
    ("BL", "Begrijpend lezen", &[("TB", "Tekstbegrip"), ("WS", "Woordenschat")]),
    ("SP", "Spelling", &[("WSP", "Woordspelling"), ("WWS", "Werkwoordspelling")]),
];
const KLEUTERVAKKEN: &[Vak] = &[
    ("RK", "Rekenen voor kleuters", &[("GB", "Getalbegrip"), ("RB", "Ruimtelijk begrip")]),
    ("TK", "Taal voor kleuters", &[("KL", "Klankbewustzijn"), ("WS", "Woordenschat")]),
];

/// Generates results for the pupils of `school` (all, or the first `max_pupils`): one
/// toetsafname per pupil, `per_pupil` midden-toets results each, alternating between an
/// OSO result (vaardigheidsscore, DLE, percentiel, niveau) and a raw score, and the
/// declaration of every test used.
///
/// Pupils are named by LAS key and ECK iD when they have them; a pupil with neither
/// cannot be named in UWLR 2.3 and is left out. Result keys are
/// `{pupil}-{toetscode}-{sitting}` (pupil = LAS key, else ECK iD): stable for a given
/// school and spec, so that a re-sent (re-normed) result overwrites the earlier one.
///
/// Scores follow one latent ability per pupil, so a pupil's results agree with each other
/// and percentiles, niveaus and DLEs tell one story.
pub fn results(school: &Leerlinggegevens, spec: &ResultsSpec) -> LeerresultatenVerzoek {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    // Another stream than `school()` uses, so that the same seed does not replay its draws.
    rng.set_stream(1);
    let s = &school.school;
    let start = i32::from(s.schooljaar.start());
    let id = s.id.to_school_id().unwrap_or_else(|| match &s.id {
        SchoolIdentificatie::Instelling { instellingsnummer, .. } => SchoolId::Schoolkey(instellingsnummer.clone()),
        _ => SchoolId::Schoolkey("onbekend".into()),
    });
    let resultaten_school = ResultatenSchool {
        schooljaar: s.schooljaar,
        id,
        // The nightly delivery after the midden-toetsen (January/February), in Dutch winter time.
        aanmaakdatum: DateTime::with_offset(
            ymd(start + 1, 2, 15).and_hms_opt(3, 0, 0).expect("valid time"),
            FixedOffset::east_opt(3600).expect("valid offset"),
        ),
        auteur: Some(AUTEUR.into()),
        xsdversie: "2.3".into(),
        commentaar: None,
    };

    // The group teacher processes the results of the group's pupils.
    let mut verwerker: HashMap<&str, &str> = HashMap::new();
    for t in &school.leerkrachten {
        for g in &t.groepen {
            if g.soort == GroepSoort::Groep && g.rollen.contains(&RolItem::Rol(Rol::Lrk)) {
                verwerker.entry(g.key.as_str()).or_insert(t.key.as_str());
            }
        }
    }

    // Tests are declared on first use, indexed by (year, subject) to stay linear.
    let mut toetsen: Vec<Toets> = Vec::new();
    let mut declared: HashMap<(u8, usize), usize> = HashMap::new();
    let midden = ymd(start + 1, 1, 15);
    let limit = spec.max_pupils.unwrap_or(usize::MAX);
    let mut toetsafnames = Vec::with_capacity(school.leerlingen.len().min(limit));
    for l in school.leerlingen.iter().take(limit) {
        let Some(pupil_id) = l.key.as_deref().or(l.eckid.as_deref()) else {
            continue;
        };
        let year = match l.jaargroep.map(|j| j.as_str().parse::<u8>()) {
            Some(Ok(y @ 1..=8)) => y,
            // Not a primary year (VO, combination, unknown): treat as the middle of primary school.
            _ => 5,
        };
        let vakken = if year <= 2 { KLEUTERVAKKEN } else { VAKKEN };
        // Latent ability, standard normal-ish: Irwin-Hall of four uniforms, rescaled.
        let ability = irwin_hall(&mut rng);
        let mut resultaten = Vec::with_capacity(spec.per_pupil);
        for sitting in 0..spec.per_pupil {
            let vak = sitting % vakken.len();
            let (code, naam, delen) = vakken[vak];
            let toetscode = format!("BOOM-{code}-M{year}");
            declared.entry((year, vak)).or_insert_with(|| {
                toetsen.push(toets(&toetscode, naam, year, code, delen));
                toetsen.len() - 1
            });
            let z = 0.8 * ability + 0.6 * irwin_hall(&mut rng);
            let waarde =
                if sitting % 2 == 0 { oso(&mut rng, z, year, code) } else { ResultaatWaarde::Score(raw_score(z)) };
            let afnamedatum = midden.checked_add_days(Days::new(rng.random_range(0..31))).expect("date in range");
            resultaten.push(Resultaat {
                key: format!("{pupil_id}-{toetscode}-{}", sitting + 1),
                afnamedatum,
                toetscode,
                versie: None,
                toetsonderdeelcode: None,
                waarde,
                infourl: None,
            });
        }
        if resultaten.is_empty() {
            continue;
        }
        toetsafnames.push(Toetsafname {
            leerlingid: l.key.clone(),
            eckid: l.eckid.clone(),
            resultaatverwerkerid: l.groep.as_deref().and_then(|g| verwerker.get(g)).map(|k| (*k).to_string()),
            resultaten,
        });
    }
    LeerresultatenVerzoek { school: resultaten_school, toetsafnames, toetsen }
}

/// Approximately standard normal from four uniforms (variance 4/12, hence the sqrt(3)).
/// Only IEEE arithmetic, so identical on every platform.
fn irwin_hall(rng: &mut ChaCha8Rng) -> f64 {
    let s: f64 = (0..4).map(|_| rng.random::<f64>()).sum();
    (s - 2.0) * 3f64.sqrt()
}

/// Standard normal CDF, Abramowitz & Stegun 26.2.19 (error < 1.5e-7): a polynomial, so no
/// platform-dependent `exp`.
fn phi(z: f64) -> f64 {
    const D: [f64; 6] =
        [0.049_867_347_3, 0.021_141_006_1, 0.003_277_626_3, 0.000_038_003_6, 0.000_048_890_6, 0.000_005_383_0];
    let x = z.abs();
    let mut p = 1.0;
    let mut xn = 1.0;
    for d in D {
        xn *= x;
        p += d * xn;
    }
    // p^-16 by repeated squaring.
    let p2 = p * p;
    let p4 = p2 * p2;
    let p8 = p4 * p4;
    let tail = 0.5 / (p8 * p8);
    if z >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

fn raw_score(z: f64) -> u64 {
    (36.0 + 8.0 * z).round().clamp(0.0, OPGAVEN as f64) as u64
}

/// Niveau I (highest 20%) to V (lowest 20%), the national bands.
fn niveau(percentiel: u32) -> &'static str {
    match percentiel {
        80.. => "I",
        60..=79 => "II",
        40..=59 => "III",
        20..=39 => "IV",
        _ => "V",
    }
}

fn decimal(v: f64) -> Decimal {
    Decimal::parse(&format!("{v:.1}")).expect("formatted decimal")
}

fn oso(rng: &mut ChaCha8Rng, z: f64, year: u8, vak: &str) -> ResultaatWaarde {
    let mean = 80.0 + 14.0 * f64::from(year);
    let score = mean + 12.0 * z;
    let half = 4.0 + f64::from(rng.random_range(0..30u8)) / 10.0;
    let percentiel = ((phi(z) * 100.0).round() as u32).clamp(1, 99);
    let landelijk = |code: &str, waarde: String| Referentiescore {
        codereferentiescore: code.into(),
        codevergelijkingsgroep: "Landelijk".into(),
        waarde,
        kwalificatie: None,
    };
    let mut referentiescores = Vec::with_capacity(3);
    // A DLE counts months of education from the start of groep 3; meaningless for kleuters.
    if year >= 3 {
        let dle = (f64::from(year - 3) * 10.0 + 5.0 + 6.0 * z).round().clamp(0.0, 60.0) as u32;
        referentiescores.push(landelijk("DLE", dle.to_string()));
    }
    referentiescores.push(landelijk("Percentiel", percentiel.to_string()));
    referentiescores.push(landelijk("Norm", niveau(percentiel).to_string()));
    let goed = raw_score(z);
    ResultaatWaarde::Oso(OsoResultaat {
        toetsscore: Some(Toetsscore {
            aantalopgaven: Some(OPGAVEN as i32),
            aantalgoed: Some(goed as i32),
            vaardigheidsscore: Some(decimal(score)),
            codevaardigheidsschaal: Some(format!("BOOM-{vak}")),
            betrouwbaarheidsinterval: Some((decimal(score - half), decimal(score + half))),
            ..Default::default()
        }),
        referentiescores,
    })
}

/// Declares a test: name, year, subject, its place in the hierarchy, its parts, and the
/// raw-score normering with niveaus I-V (used by the `score` results).
fn toets(toetscode: &str, vaknaam: &str, year: u8, vak: &str, delen: &[(&str, &str)]) -> Toets {
    /// Term, description, raw-score range, colour.
    type NormRij = (&'static str, &'static str, u64, u64, (u8, u8, u8));
    const NORMEN: [NormRij; 5] = [
        ("I", "hoogste 20%", 43, OPGAVEN, (0, 128, 0)),
        ("II", "20% boven het gemiddelde", 39, 42, (144, 238, 144)),
        ("III", "gemiddelde 20%", 34, 38, (255, 255, 0)),
        ("IV", "20% onder het gemiddelde", 29, 33, (255, 165, 0)),
        ("V", "laagste 20%", 0, 28, (255, 0, 0)),
    ];
    let normen = NORMEN
        .iter()
        .map(|&(term, omschrijving, begin, eind, (r, g, b))| Norm {
            term: term.into(),
            omschrijving: Some(omschrijving.into()),
            beginnormwaarde: begin,
            eindnormwaarde: eind,
            normkleur: Some(Normkleur {
                rood: r,
                groen: g,
                blauw: b,
                transparantie: Decimal::parse("0.00").expect("decimal"),
            }),
            schoolcijfer_vanaf: None,
            schoolcijfer_totenmet: None,
        })
        .collect();
    Toets {
        toetscode: Vocab::plain(toetscode),
        versie: None,
        toetsnaam: Some(format!("{vaknaam} M{year}")),
        leerjaar: Some(Vocab::plain(year.to_string())),
        vakgebied: Some(Vocab::plain(vaknaam)),
        toetsnormering: Some(Normering { normen, ..Default::default() }),
        toetshierarchie: vec![
            Ingang { niveau: 1, waarde: Vocab::plain("Boom LVS") },
            Ingang { niveau: 2, waarde: Vocab::plain(vaknaam) },
        ],
        toetsonderdelen: delen
            .iter()
            .zip(1..)
            .map(|(&(code, naam), volgnummer)| Toetsonderdeel {
                volgnummer,
                code: Vocab::plain(format!("BOOM-{vak}-M{year}-{code}")),
                naam: Some(naam.into()),
                normering: None,
            })
            .collect(),
    }
}
