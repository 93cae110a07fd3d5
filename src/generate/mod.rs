//! Deterministic synthetic schools and results, for tests, demos and benchmarks.
//!
//! Real pupil data may not leave a school, so everything that needs a realistic message
//! (round-trip tests, the mock LAS, benchmarks, demos) gets one from here instead. The data
//! is shaped like real LAS exports rather than like the schema's minimum: Dutch names with
//! voorvoegsels and non-ASCII letters, combination groups, composed groups, teachers without
//! an ECK iD or e-mail address, pupils without an ECK iD. That is what breaks consumers.
//!
//! Determinism: every value comes from a [`ChaCha8Rng`] seeded from the spec, and every date
//! from the school year; nothing reads the clock. The same spec gives an identical value on
//! every run and machine (ChaCha's output is specified, and only IEEE arithmetic and `sqrt`
//! touch floats), so generated messages can be snapshot-tested and shared as bug reports by
//! seed alone. Generation is linear in the number of pupils.
//!
//! The generators do not validate their input (an invalid `brincode` is passed on as given);
//! [`crate::encode`] does, so a bad spec shows up as an encoding problem.

mod names;
mod results;

pub use results::{results, ResultsSpec};

use crate::message::leerlinggegevens::{
    Groep, GroepItem, GroepSoort, Leerkracht, LeerkrachtGroep, Leerling, Leerlinggegevens, Naam, Persoonsnummer,
    RolItem, SamengesteldeGroep, School, SchoolIdentificatie, Vestiging,
};
use crate::message::values::{DateTime, Geslacht, Jaargroep, Rol, Schooljaar, Zone};
use chrono::{Datelike, Days, Months, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::fmt::Write as _;

/// What kind of school to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolSpec {
    /// Number of pupils. The codec refuses an answer without pupils, so 0 gives a value
    /// that does not encode.
    pub pupils: usize,
    pub seed: u64,
    pub schooljaar: Schooljaar,
    pub brincode: String,
    pub dependancecode: Option<String>,
}

impl Default for SchoolSpec {
    /// A medium primary school (200 pupils, one or two groups per year) in the test BRIN
    /// `99DE`, so that nothing generated can be mistaken for a real school.
    fn default() -> Self {
        SchoolSpec {
            pupils: 200,
            seed: 1,
            schooljaar: Schooljaar::new(2025).expect("valid year"),
            brincode: "99DE".into(),
            dependancecode: Some("00".into()),
        }
    }
}

/// The author written into generated messages, so a generated file is recognisable.
pub(crate) const AUTEUR: &str = "uwlr generate";

/// Pupils per group at most; Dutch primary groups hold about 25 to 29.
const MAX_GROEP: usize = 29;

/// Generates the leerlinggegevens of one school location: school block, one vestiging,
/// groups (year groups, combination groups, composed groups), pupils and teachers.
///
/// Every key is unique and every reference points at a declared record, so the result
/// encodes without problems (given a valid BRIN and at least one pupil).
pub fn school(spec: &SchoolSpec) -> Leerlinggegevens {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let start = i32::from(spec.schooljaar.start());
    // 1 October: the Dutch reference date for counting pupils, and the age cut-off of a year.
    let peildatum = ymd(start, 10, 1);
    let schoolnaam = *pick(&mut rng, names::SCHOOLNAMEN);
    let domein = format!("{}.example", ascii_slug(schoolnaam.split_once(' ').map_or(schoolnaam, |(_, rest)| rest)));
    let dependance = spec.dependancecode.clone();
    let vestiging_key = format!("{}{}", spec.brincode, dependance.as_deref().unwrap_or("00"));

    let school = School {
        schooljaar: spec.schooljaar,
        peildatum: Some(peildatum),
        id: SchoolIdentificatie::Brin { brincode: spec.brincode.clone(), dependancecode: dependance, schoolkey: None },
        // The export a LAS makes early on the reference date; UTC avoids a daylight-saving guess.
        aanmaakdatum: Some(DateTime { local: peildatum.and_hms_opt(5, 30, 0).expect("valid time"), zone: Zone::Utc }),
        auteur: Some(AUTEUR.into()),
        xsdversie: Some("2.3".into()),
        commentaar: None,
        toevoegingen: None,
    };
    let vestigingen = vec![Vestiging {
        key: vestiging_key.clone(),
        naam: schoolnaam.into(),
        omschrijving: Some("Hoofdvestiging".into()),
        mutatiedatum: None,
    }];

    let counts = year_counts(&mut rng, spec.pupils);
    let blocks = plan_blocks(&mut rng, &counts);

    // Groups. Keys look like a LAS's internal numbers; one counter over both kinds keeps
    // them unique over groep and samengestelde_groep, as the schema demands.
    let mut next_key: u32 = rng.random_range(100..900) * 10;
    let mut key = || {
        next_key += 1;
        next_key.to_string()
    };
    let mut dieren: Vec<&str> = names::DIERNAMEN.to_vec();
    shuffle(&mut rng, &mut dieren);
    let mut dieren = dieren.into_iter();
    let mut groepen = Vec::new();
    // (first index into `groepen`, number of groups) per block.
    let mut block_groups = Vec::with_capacity(blocks.len());
    for b in &blocks {
        block_groups.push(groepen.len());
        for gi in 0..b.groups {
            let suffix = if b.groups == 1 { String::new() } else { letter_suffix(gi) };
            let (naam, jaargroep, omschrijving) = match b.years {
                (1, 2) => {
                    // Kleutergroepen carry animal names; numbered once the list runs out.
                    let naam = dieren.next().map_or_else(|| format!("1/2{}", letter_suffix(gi)), str::to_string);
                    (naam, Jaargroep::Combinatie, Some("Kleutergroep 1/2".to_string()))
                }
                (a, z) if a != z => {
                    (format!("{a}/{z}{suffix}"), Jaargroep::Combinatie, Some(format!("Combinatiegroep {a}/{z}")))
                }
                (a, _) if b.groups == 1 => (format!("Groep {a}"), jaargroep(a), None),
                (a, _) => (format!("{a}{suffix}"), jaargroep(a), None),
            };
            groepen.push(GroepItem::Groep(Groep {
                key: key(),
                naam,
                jaargroep,
                omschrijving,
                toevoegingen: None,
                mutatiedatum: None,
            }));
        }
    }
    let n_groepen = groepen.len();
    // Composed groups: pupils from several groups who get extra lessons together.
    let samengesteld = [
        ("Plusklas", "Verrijking voor meer- en hoogbegaafde leerlingen", 5..=8, 0.06),
        ("Taalgroep", "Extra taalondersteuning (NT2)", 3..=5, 0.08),
        ("RT-groep rekenen", "Remedial teaching rekenen", 4..=8, 0.05),
    ];
    let samengesteld_keys: Vec<String> = samengesteld
        .iter()
        .map(|(naam, omschrijving, _, _)| {
            let k = key();
            groepen.push(GroepItem::SamengesteldeGroep(SamengesteldeGroep {
                key: k.clone(),
                naam: (*naam).into(),
                omschrijving: Some((*omschrijving).into()),
                toevoegingen: None,
                mutatiedatum: None,
            }));
            k
        })
        .collect();

    // Pupil numbers: increasing in order of enrolment, so the oldest pupils (listed last)
    // have the lowest numbers, as in a LAS that counts up.
    let mut nummers = Vec::with_capacity(spec.pupils);
    let mut nummer: u64 = rng.random_range(100_000..2_000_000);
    for _ in 0..spec.pupils {
        nummer += rng.random_range(1..=13);
        nummers.push(nummer);
    }

    let mut leerlingen = Vec::with_capacity(spec.pupils);
    for (b, &first) in blocks.iter().zip(&block_groups) {
        for gi in 0..b.groups {
            let groep_key = groepen[first + gi].key().to_string();
            for year in [b.years.0, b.years.1].into_iter().take(if b.years.0 == b.years.1 { 1 } else { 2 }) {
                let c = counts[usize::from(year) - 1];
                let in_group = c / b.groups + usize::from(gi < c % b.groups);
                for _ in 0..in_group {
                    let nr = nummers[spec.pupils - 1 - leerlingen.len()];
                    let mut l = leerling(&mut rng, year, peildatum, nr);
                    l.groep = Some(groep_key.clone());
                    l.vestiging = Some(vestiging_key.clone());
                    for ((_, _, years, p), k) in samengesteld.iter().zip(&samengesteld_keys) {
                        if years.contains(&year) && rng.random_bool(*p) {
                            l.samengestelde_groepen.push(k.clone());
                        }
                    }
                    leerlingen.push(l);
                }
            }
        }
    }

    let leerkrachten = leerkrachten(&mut rng, &groepen[..n_groepen], &samengesteld_keys, &domein);
    Leerlinggegevens { school, vestigingen, groepen, leerlingen, leerkrachten }
}

/// One or two consecutive years taught together, split over `groups` groups.
struct Block {
    years: (u8, u8),
    groups: usize,
}

/// Pupils per year 1..=8: roughly even, with some spread so that years differ in size.
fn year_counts(rng: &mut ChaCha8Rng, pupils: usize) -> [usize; 8] {
    let weights: [u32; 8] = std::array::from_fn(|_| rng.random_range(85..=115));
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let mut counts = weights.map(|w| (pupils as u64 * u64::from(w) / total) as usize);
    let rest = pupils - counts.iter().sum::<usize>();
    for i in 0..rest {
        counts[i % 8] += 1;
    }
    counts
}

/// Decides which years are taught together. Years 1 and 2 always are (kleutergroepen are
/// mixed in most Dutch schools); later pairs when both years are small, and now and then
/// anyway, so that most schools have a combination group besides the kleuters.
fn plan_blocks(rng: &mut ChaCha8Rng, counts: &[usize; 8]) -> Vec<Block> {
    let groups = |p: usize| p.div_ceil(MAX_GROEP).max(1);
    let mut blocks = Vec::with_capacity(8);
    let kleuters = counts[0] + counts[1];
    if kleuters > 0 {
        blocks.push(Block { years: (1, 2), groups: groups(kleuters) });
    }
    let mut y = 3u8;
    while y <= 8 {
        let c = counts[usize::from(y) - 1];
        let pair = (y < 8).then(|| c + counts[usize::from(y)]);
        match pair {
            Some(p) if p > 0 && (p <= 34 || rng.random_bool(0.2)) => {
                blocks.push(Block { years: (y, y + 1), groups: groups(p) });
                y += 2;
            }
            _ => {
                if c > 0 {
                    blocks.push(Block { years: (y, y), groups: groups(c) });
                }
                y += 1;
            }
        }
    }
    blocks
}

fn jaargroep(year: u8) -> Jaargroep {
    const J: [Jaargroep; 8] = [
        Jaargroep::G1,
        Jaargroep::G2,
        Jaargroep::G3,
        Jaargroep::G4,
        Jaargroep::G5,
        Jaargroep::G6,
        Jaargroep::G7,
        Jaargroep::G8,
    ];
    J[usize::from(year.clamp(1, 8)) - 1]
}

/// One pupil of `year`, without group references.
fn leerling(rng: &mut ChaCha8Rng, year: u8, peildatum: NaiveDate, nummer: u64) -> Leerling {
    let geslacht = match rng.random_range(0..200) {
        0 => Geslacht::Onbekend,
        1..100 => Geslacht::Jongen,
        _ => Geslacht::Meisje,
    };
    let meisje = match geslacht {
        Geslacht::Meisje => true,
        Geslacht::Jongen => false,
        _ => rng.random_bool(0.5),
    };
    let naam = kind_naam(rng, meisje);
    // A pupil in groep n is n + 3 years old on 1 October (groep 3: 6, turning 7); a few
    // repeated a year (zittenblijvers) and are a year older.
    let extra = u32::from(rng.random_bool(0.03));
    let age = u32::from(year) + 3 + extra;
    let geboortedatum = peildatum
        .checked_sub_months(Months::new(12 * age))
        .and_then(|d| d.checked_sub_days(Days::new(rng.random_range(0..365))))
        .expect("date in range");
    // Dutch children start school the day after (or on) their fourth birthday.
    let instroom = geboortedatum.checked_add_months(Months::new(48)).and_then(|d| d.checked_add_days(Days::new(1)));
    // Groep 3 starts in the school year that begins in the summer after the sixth birthday.
    let start_ondw_jgr3 = (year >= 3).then(|| ymd(peildatum.year() - i32::from(year) + 3 - extra as i32, 8, 1));
    let eckid = rng.random_bool(0.95).then(|| eckid(rng));
    let persoonsnummer =
        rng.random_bool(0.6).then(|| Persoonsnummer::BsnOndwnr4(format!("{:04}", rng.random_range(0..10_000))));
    Leerling {
        key: Some(nummer.to_string()),
        eckid,
        naam,
        geboortedatum: Some(geboortedatum),
        geslacht: Some(geslacht),
        start_ondw_jgr3,
        jaargroep: Some(jaargroep(year)),
        persoonsnummer,
        instroomdatum: instroom,
        ..Default::default()
    }
}

/// A child's name: surname with voorvoegsel, one to three given names, the voorletters made
/// from them, and the roepnaam (usually, not always, the first given name).
fn kind_naam(rng: &mut ChaCha8Rng, meisje: bool) -> Naam {
    let (eerste, roepnaam) = if rng.random_bool(0.12) {
        let (formeel, roep) = *pick(rng, if meisje { names::ROEPNAAM_MEISJES } else { names::ROEPNAAM_JONGENS });
        (formeel, roep)
    } else {
        let n = *pick(rng, if meisje { names::MEISJES } else { names::JONGENS });
        (n, n)
    };
    let tweede = if meisje { names::TWEEDE_MEISJES } else { names::TWEEDE_JONGENS };
    let mut voornamen = vec![eerste];
    for _ in 0..rng.random_range(0..=2) {
        let n = *pick(rng, tweede);
        if !voornamen.contains(&n) {
            voornamen.push(n);
        }
    }
    let (achternaam, voorvoegsel) = *pick(rng, names::ACHTERNAMEN);
    Naam {
        achternaam: Some(achternaam.into()),
        voorvoegsel: voorvoegsel.map(Into::into),
        voorletters: Some(voorletters(&voornamen)),
        voornamen: Some(voornamen.join(" ")),
        roepnaam: Some(roepnaam.into()),
    }
}

/// `J.P.`: one initial and a dot per given name; three names at most fit `voorletters-1`'s
/// six characters.
fn voorletters(voornamen: &[&str]) -> String {
    let mut s = String::with_capacity(6);
    for n in voornamen.iter().take(3) {
        if let Some(c) = n.chars().next() {
            s.extend(c.to_uppercase());
            s.push('.');
        }
    }
    s
}

/// Teachers: one per group (now and then a second, for a duobaan), plus the staff real
/// exports carry too: an intern begeleider, a director, a gym teacher and a plusklas
/// teacher with a free role description. Some have no ECK iD or e-mail address, as in
/// real data (consumers must flag them, not fail).
fn leerkrachten(rng: &mut ChaCha8Rng, groepen: &[GroepItem], samengesteld: &[String], domein: &str) -> Vec<Leerkracht> {
    let mut out = Vec::with_capacity(groepen.len() * 3 / 2 + 4);
    let mut next: u32 = rng.random_range(100..500) * 10;
    let mut emails = HashSet::new();
    let mut new = |rng: &mut ChaCha8Rng, rollen: Vec<RolItem>, groepen: Vec<LeerkrachtGroep>| {
        next += 1;
        let vrouw = rng.random_bool(0.85);
        let roepnaam = *pick(rng, if vrouw { names::LEERKRACHT_VROUW } else { names::LEERKRACHT_MAN });
        let (achternaam, voorvoegsel) = *pick(rng, names::ACHTERNAMEN);
        let emailadres = rng.random_bool(0.85).then(|| {
            let base = format!(
                "{}.{}{}",
                ascii_slug(roepnaam),
                voorvoegsel.map(ascii_slug).unwrap_or_default(),
                ascii_slug(achternaam)
            );
            let mut local = base.clone();
            let mut i = 1;
            while !emails.insert(local.clone()) {
                i += 1;
                local = format!("{base}{i}");
            }
            format!("{local}@{domein}")
        });
        Leerkracht {
            key: next.to_string(),
            eckid: rng.random_bool(0.95).then(|| eckid(rng)),
            naam: Naam {
                achternaam: Some(achternaam.into()),
                voorvoegsel: voorvoegsel.map(Into::into),
                voornamen: None,
                voorletters: Some(voorletters(&[roepnaam])),
                roepnaam: Some(roepnaam.into()),
            },
            gebruikersnaam: None,
            emailadres,
            rollen,
            groepen,
            toevoegingen: None,
            mutatiedatum: None,
        }
    };
    let lrk = || vec![RolItem::Rol(Rol::Lrk)];
    let in_groep = |soort, key: &str, rollen| LeerkrachtGroep { soort, key: key.to_string(), rollen };
    for g in groepen {
        let n = if rng.random_bool(0.3) { 2 } else { 1 };
        for _ in 0..n {
            let t = new(rng, lrk(), vec![in_groep(GroepSoort::Groep, g.key(), lrk())]);
            out.push(t);
        }
    }
    let ib = vec![RolItem::Rol(Rol::Ib)];
    let ib_groepen =
        samengesteld[1..].iter().map(|k| in_groep(GroepSoort::SamengesteldeGroep, k, ib.clone())).collect();
    let t = new(rng, ib.clone(), ib_groepen);
    out.push(t);
    let t = new(rng, vec![RolItem::Rol(Rol::Dir)], Vec::new());
    out.push(t);
    let vak = vec![RolItem::Rol(Rol::Vak)];
    let gym = groepen.iter().map(|g| in_groep(GroepSoort::Groep, g.key(), vak.clone())).collect();
    let t = new(rng, vak.clone(), gym);
    out.push(t);
    let plus = vec![in_groep(GroepSoort::SamengesteldeGroep, &samengesteld[0], lrk())];
    let t = new(rng, vec![RolItem::Omschrijving("Plusklasleerkracht".into())], plus);
    out.push(t);
    out
}

/// An ECK iD as the Kennisnet nummervoorziening issues them: the production realm and a
/// 128-hex-digit pseudonym. 512 random bits make collisions impossible in practice.
fn eckid(rng: &mut ChaCha8Rng) -> String {
    let mut s = String::with_capacity(26 + 128);
    s.push_str("https://ketenid.nl/201703/");
    for _ in 0..8 {
        let _ = write!(s, "{:016x}", rng.random::<u64>());
    }
    s
}

/// Lower-case ASCII letters and digits only, for e-mail addresses and domains.
fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'ë' | 'é' | 'è' => Some('e'),
            'ï' | 'ı' | 'í' => Some('i'),
            'ö' | 'Ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            _ => None,
        })
        .collect()
}

/// `A`..`Z`, then `A2`..`Z2` and so on: unique for any number of parallel groups.
fn letter_suffix(i: usize) -> String {
    let letter = char::from(b'A' + (i % 26) as u8);
    match i / 26 {
        0 => letter.to_string(),
        n => format!("{letter}{}", n + 1),
    }
}

pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn shuffle<T>(rng: &mut ChaCha8Rng, xs: &mut [T]) {
    for i in (1..xs.len()).rev() {
        xs.swap(i, rng.random_range(0..=i));
    }
}

#[cfg(test)]
mod tests;
