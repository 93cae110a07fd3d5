//! The simple types UWLR messages share: school year, school identification, timestamps,
//! decimals and the EDEXML enumerations. Parsing and formatting of each lives here, once.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset};
use std::fmt;

/// A school year `YYYY-YYYY`. UWLR 2.3 accepts any pair of consecutive years (2.2 had an
/// enumeration that ended at 2024-2025); `start` is the first calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Schooljaar {
    start: u16,
}

impl Schooljaar {
    /// The schema pattern is `[1-2]\d{3}-[1-2]\d{3}`, so the first year is 1000..=2998.
    pub fn new(start: u16) -> Option<Self> {
        (1000..=2998).contains(&start).then_some(Schooljaar { start })
    }
    pub fn start(self) -> u16 {
        self.start
    }
    /// The school year a date falls in: it runs from 1 August to 31 July.
    pub fn containing(date: NaiveDate) -> Option<Self> {
        use chrono::Datelike;
        let y = date.year();
        let start = if date.month() >= 8 { y } else { y - 1 };
        u16::try_from(start).ok().and_then(Schooljaar::new)
    }
    /// Parses `2023-2024`; says what is wrong otherwise.
    pub fn parse(s: &str) -> Result<Self, String> {
        let b = s.as_bytes();
        let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
        if b.len() != 9 || b[4] != b'-' || !digits(&b[..4]) || !digits(&b[5..]) {
            return Err(format!("'{s}' is not a school year of the form 2023-2024"));
        }
        let (a, z): (u16, u16) = (s[..4].parse().unwrap_or(0), s[5..].parse().unwrap_or(0));
        if !(1000..=2999).contains(&a) || !(1000..=2999).contains(&z) {
            return Err(format!("'{s}': years must lie between 1000 and 2999"));
        }
        if z != a + 1 {
            return Err(format!("'{s}': the second year must follow the first (UWLR 2.3)"));
        }
        Ok(Schooljaar { start: a })
    }
}

impl fmt::Display for Schooljaar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.start + 1)
    }
}

/// Which school location a message is about: BRIN with optional dependance, or a
/// LAS-specific school key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SchoolId {
    Brin { brincode: String, dependancecode: Option<String> },
    Schoolkey(String),
}

impl SchoolId {
    /// The dependance code with the schema's default: absent means `00`.
    pub fn dependance_or_default(&self) -> Option<&str> {
        match self {
            SchoolId::Brin { dependancecode, .. } => Some(dependancecode.as_deref().unwrap_or("00")),
            SchoolId::Schoolkey(_) => None,
        }
    }
}

/// `xs:dateTime` as it was written: with a zone offset, `Z`, or none at all (both occur
/// in the wild). Keeping the form makes decode/encode a faithful round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub local: NaiveDateTime,
    pub zone: Zone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zone {
    /// No zone given (local time of the sender).
    Floating,
    /// `Z`.
    Utc,
    /// `+hh:mm` / `-hh:mm`.
    Offset(FixedOffset),
}

impl DateTime {
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not an xs:dateTime such as 2024-01-31T13:45:00 (optionally with Z or +01:00)");
        let (body, zone) = if let Some(b) = s.strip_suffix('Z') {
            (b, Zone::Utc)
        } else if s.len() > 19 && matches!(s.as_bytes()[s.len() - 6], b'+' | b'-') && s.as_bytes()[s.len() - 3] == b':'
        {
            let (b, z) = s.split_at(s.len() - 6);
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let h: i32 = z[1..3].parse().map_err(|_| bad())?;
            let m: i32 = z[4..6].parse().map_err(|_| bad())?;
            if h > 14 || m > 59 {
                return Err(bad());
            }
            let off = FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)?;
            (b, Zone::Offset(off))
        } else {
            (s, Zone::Floating)
        };
        if body.len() < 19 || body.as_bytes()[10] != b'T' {
            return Err(bad());
        }
        let date = parse_date(&body[..10]).map_err(|_| bad())?;
        let time = NaiveTime::parse_from_str(&body[11..], "%H:%M:%S%.f").map_err(|_| bad())?;
        // xs:dateTime allows fractional seconds but not a trailing dot.
        if body.ends_with('.') {
            return Err(bad());
        }
        Ok(DateTime { local: date.and_time(time), zone })
    }

    /// The same moment with at most 6 fractional digits, cut off (never rounded up). What
    /// we write as `aanmaakdatum` goes through this: typed clients (Python's `datetime`,
    /// suds, zeep) keep microseconds, truncating or rounding more digits, and a client
    /// echoes the value as `laatstontvangengegevens`. Rounded up, the echo could be later
    /// than the real moment and a change made in between would be missed; cut off, it is
    /// never later (at worst a change is sent twice).
    pub fn to_micros(self) -> Self {
        use chrono::Timelike;
        let nanos = self.local.nanosecond();
        let local = self.local.with_nanosecond(nanos - nanos % 1000).unwrap_or(self.local);
        DateTime { local, zone: self.zone }
    }

    /// Normalises an `Offset` of zero hours to itself (not `Z`): we write what we read.
    pub fn with_offset(local: NaiveDateTime, off: FixedOffset) -> Self {
        DateTime { local, zone: Zone::Offset(off.fix()) }
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.local.format("%Y-%m-%dT%H:%M:%S%.f"))?;
        match self.zone {
            Zone::Floating => Ok(()),
            Zone::Utc => f.write_str("Z"),
            Zone::Offset(o) => {
                let secs = o.local_minus_utc();
                let sign = if secs < 0 { '-' } else { '+' };
                let secs = secs.abs();
                write!(f, "{sign}{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
            }
        }
    }
}

/// Parses `xs:date` without a zone (UWLR dates never carry one).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let b = s.as_bytes();
    let num = |r: &[u8]| r.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')));
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(format!("'{s}' is not a date of the form 2015-06-30"));
    }
    // By hand: dates are on the hot path of every pupil, and a format string is slow.
    match (num(&b[..4]), num(&b[5..7]), num(&b[8..])) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| format!("'{s}' is not a valid calendar date"))
        }
        _ => Err(format!("'{s}' is not a date of the form 2015-06-30")),
    }
}

pub fn format_date(d: NaiveDate) -> String {
    DateText::new(d).as_str().to_owned()
}

/// A date as `YYYY-MM-DD` on the stack: the writer prints one per pupil, and chrono's
/// format machinery plus an allocation each time is most of the cost of writing a date.
pub struct DateText([u8; 10]);

impl DateText {
    pub fn new(d: NaiveDate) -> Self {
        use chrono::Datelike;
        let mut b = *b"0000-00-00";
        // xs:date years here are 1000..=9999 in practice; clamp so the text stays 10 bytes.
        let y = d.year().clamp(0, 9999) as u32;
        let digit = |n: u32| b'0' + (n % 10) as u8;
        b[0] = digit(y / 1000);
        b[1] = digit(y / 100);
        b[2] = digit(y / 10);
        b[3] = digit(y);
        b[5] = digit(d.month() / 10);
        b[6] = digit(d.month());
        b[8] = digit(d.day() / 10);
        b[9] = digit(d.day());
        DateText(b)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("0000-00-00")
    }
}

/// `xs:decimal`, kept as its canonical text so that no value changes by passing through a
/// float. Construct with [`Decimal::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Decimal(String);

impl Decimal {
    pub fn parse(s: &str) -> Result<Self, String> {
        let b = s.as_bytes();
        let body = match b.first() {
            Some(b'+') | Some(b'-') => &b[1..],
            _ => b,
        };
        let dots = body.iter().filter(|&&c| c == b'.').count();
        let ok = !body.is_empty()
            && dots <= 1
            && body.iter().all(|&c| c.is_ascii_digit() || c == b'.')
            && body.iter().any(u8::is_ascii_digit);
        if ok {
            Ok(Decimal(s.to_owned()))
        } else {
            Err(format!("'{s}' is not an xs:decimal such as 12.5"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The value as a float, for range checks and arithmetic at the edges.
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Declares a closed EDEXML enumeration with its wire spelling, once.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $var),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $wire),+ }
            }
            pub fn parse(s: &str) -> Result<Self, String> {
                match s {
                    $($wire => Ok($name::$var),)+
                    _ => Err(format!(
                        "'{}' is not a valid {}; expected one of {}",
                        s, stringify!($name), [$($wire),+].join(", ")
                    )),
                }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum!(
    /// Year level. `C` is a combination group (the year is per pupil).
    Jaargroep {
        Babies = "B", Dreumesen = "D", Peuters = "0",
        G1 = "1", G2 = "2", G3 = "3", G4 = "4", G5 = "5", G6 = "6", G7 = "7", G8 = "8",
        Vo1 = "11", Vo2 = "12", Vo3 = "13", Vo4 = "14", Vo5 = "15", Vo6 = "16",
        Sbo = "S", Vso = "V", Combinatie = "C", Overig = "N", Historisch = "H",
    }
);

wire_enum!(
    /// NEN-ISO 5218.
    Geslacht { Onbekend = "0", Jongen = "1", Meisje = "2", NietGespecificeerd = "9" }
);

wire_enum!(
    /// A staff member's role. `LRK` is the group teacher.
    Rol {
        Adj = "ADJ", Adm = "ADM", Con = "CON", Dir = "DIR", Ict = "ICT", Ib = "IB", Kla = "KLA",
        Lrk = "LRK", Los = "LOS", Loc = "LOC", Owa = "OWA", Oud = "OUD", Rt = "RT", Smw = "SMW",
        Sta = "STA", Vak = "VAK",
    }
);

wire_enum!(Etniciteit { Onbekend = "9", Nee = "0", Ja = "1" });

wire_enum!(GewichtNieuw { Onbekend = "?", Nul = "0", NulDrie = "0,3", EenTwee = "1,2" });

wire_enum!(Gewicht {
    Onbekend = "?", G000 = "0.00", G025 = "0.25", G040 = "0.40", G070 = "0.70", G090 = "0.90",
});

/// A country: ISO 3166-1 alpha-2, or `?` for unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Land([u8; 2]);

impl Land {
    pub const ONBEKEND: Land = Land(*b"? ");
    pub fn parse(s: &str) -> Result<Self, String> {
        if s == "?" {
            return Ok(Land::ONBEKEND);
        }
        if s.len() == 2 && (ISO_3166_ALPHA2.split(' ').any(|c| c == s) || HISTORIC.split(' ').any(|c| c == s)) {
            let b = s.as_bytes();
            return Ok(Land([b[0], b[1]]));
        }
        Err(format!("'{s}' is not an ISO 3166-1 alpha-2 country code (or '?')"))
    }
    pub fn as_str(&self) -> &str {
        if *self == Land::ONBEKEND {
            "?"
        } else {
            std::str::from_utf8(&self.0).unwrap_or("?")
        }
    }
}

/// The officially assigned ISO 3166-1 alpha-2 codes, as the EDEXML land list has them.
pub(crate) const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Codes no longer assigned by ISO that the EDEXML land list still carries (AN is the
/// Netherlands Antilles: Dutch LAS systems still send it for older pupils).
const HISTORIC: &str = "AN CS FX GZ JH OK TB YO";

pub use crate::xml::XsiType;

/// A value bound to a vocabulary (toetscode, vakgebied, leerjaar...): text with optional
/// `vocabulaire` and `vocabulairelocatie` attributes naming its VDEX list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Vocab {
    pub value: String,
    pub vocabulaire: Option<String>,
    pub vocabulairelocatie: Option<String>,
}

impl Vocab {
    pub fn plain(value: impl Into<String>) -> Self {
        Vocab { value: value.into(), vocabulaire: None, vocabulairelocatie: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schooljaar_needs_consecutive_years() {
        assert_eq!(Schooljaar::parse("2031-2032").unwrap().to_string(), "2031-2032");
        assert!(Schooljaar::parse("2023-2025").unwrap_err().contains("follow"));
        assert!(Schooljaar::parse("2023/2024").is_err());
        assert!(Schooljaar::parse("3023-3024").is_err());
    }

    #[test]
    fn schooljaar_of_a_date() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(Schooljaar::containing(d(2024, 7, 31)).unwrap().to_string(), "2023-2024");
        assert_eq!(Schooljaar::containing(d(2024, 8, 1)).unwrap().to_string(), "2024-2025");
    }

    #[test]
    fn datetime_keeps_its_zone_form() {
        for s in [
            "2024-01-31T13:45:00",
            "2024-01-31T13:45:00Z",
            "2024-01-31T13:45:00.250+01:00",
            "2024-01-31T13:45:00-05:30",
        ] {
            assert_eq!(DateTime::parse(s).unwrap().to_string(), s);
        }
        for s in ["2024-01-31", "2024-01-31 13:45:00", "2024-13-31T13:45:00", "2024-01-31T13:45:00+25:00"] {
            assert!(DateTime::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn dates_print_as_xs_date() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(DateText::new(d(2017, 2, 28)).as_str(), "2017-02-28");
        assert_eq!(DateText::new(d(950, 12, 1)).as_str(), "0950-12-01");
        assert_eq!(parse_date(DateText::new(d(2099, 10, 31)).as_str()).unwrap(), d(2099, 10, 31));
    }

    #[test]
    fn decimal_and_land() {
        assert!(Decimal::parse("-12.50").is_ok());
        assert!(Decimal::parse(".5").is_ok());
        for s in ["", ".", "1e5", "1.2.3", "12,5"] {
            assert!(Decimal::parse(s).is_err(), "{s}");
        }
        assert_eq!(Land::parse("NL").unwrap().as_str(), "NL");
        assert_eq!(Land::parse("?").unwrap().as_str(), "?");
        assert!(Land::parse("XX").is_err());
    }
}
