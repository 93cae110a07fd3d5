//! A school location as the gateway names it: BRIN + dependance (`99DE00`) or, for a LAS
//! that names schools otherwise, its schoolkey. Parsed once where the text comes in (CLI,
//! API path, console form, a store row), so the rest of the crate holds a `Location` and
//! never splits or checks a string again.

use crate::message::values::SchoolId;
use serde::{Serialize, Serializer};
use std::fmt;

/// One school location: BRIN + dependance or a schoolkey. Compared and ordered by its
/// text, which is also how it is stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location(String);

/// Text that is not a school location, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidLocation(String);

impl Location {
    /// Reads `99DE00` (BRIN + dependance) or a schoolkey: surrounding white space is
    /// dropped; no spaces inside, at most 64 characters. A bare BRIN (`99DE`) is refused:
    /// a location needs its dependance.
    pub fn parse(s: &str) -> Result<Location, InvalidLocation> {
        let s = s.trim();
        if s.is_empty() || s.len() > 64 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidLocation(format!(
                "'{s}' is not a school location: use BRIN + dependance such as 99DE00, or the schoolkey"
            )));
        }
        let b = s.as_bytes();
        if b.len() == 4 && b[..2].iter().all(u8::is_ascii_digit) {
            return Err(InvalidLocation(format!("'{s}' is a BRIN without dependance: add it, e.g. {s}00")));
        }
        Ok(Location(s.to_string()))
    }

    /// BRIN + dependance of a school (`99DE`, `00`).
    pub fn brin(brincode: &str, dependancecode: &str) -> Result<Location, InvalidLocation> {
        Location::parse(&format!("{brincode}{dependancecode}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// BRIN and dependance when the location has that form (two digits, two capitals, two
    /// digits: `99DE00`); `None` for a schoolkey.
    pub fn brin_dependance(&self) -> Option<(&str, &str)> {
        let b = self.0.as_bytes();
        let brin = b.len() == 6
            && b[..2].iter().all(u8::is_ascii_digit)
            && b[2..4].iter().all(u8::is_ascii_uppercase)
            && b[4..].iter().all(u8::is_ascii_digit);
        brin.then(|| self.0.split_at(4))
    }

    /// The schoolkey, when the location is not BRIN + dependance.
    pub fn schoolkey(&self) -> Option<&str> {
        self.brin_dependance().is_none().then_some(self.0.as_str())
    }

    /// How a UWLR message names this location.
    pub fn school_id(&self) -> SchoolId {
        match self.brin_dependance() {
            Some((b, d)) => SchoolId::Brin { brincode: b.to_string(), dependancecode: Some(d.to_string()) },
            None => SchoolId::Schoolkey(self.0.clone()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Location {
    type Err = InvalidLocation;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Location::parse(s)
    }
}

/// A location reads as its text wherever text is wanted (SQL parameters, log fields,
/// paths): the text is already checked, so handing it out loses nothing.
impl std::ops::Deref for Location {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Location {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Location {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Location {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// JSON carries the text, as the admin API always did.
impl Serialize for Location {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brin_and_dependance_or_a_schoolkey() {
        let l = Location::parse(" 99DE01\n").unwrap();
        assert_eq!((l.as_str(), l.brin_dependance(), l.schoolkey()), ("99DE01", Some(("99DE", "01")), None));
        assert_eq!(l.school_id(), SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("01".into()) });
        assert_eq!(Location::brin("99DE", "01").unwrap(), l);
        let k = Location::parse("school-42").unwrap();
        assert_eq!((k.brin_dependance(), k.schoolkey()), (None, Some("school-42")));
        assert_eq!(k.school_id(), SchoolId::Schoolkey("school-42".into()));
        assert_eq!(k.to_string(), "school-42");
        assert!(Location::parse("99DE00").unwrap() < Location::parse("99DF00").unwrap());
        assert_eq!(Location::parse("99DE00").unwrap(), "99DE00");
    }

    #[test]
    fn what_is_not_a_location_is_refused_with_what_to_write() {
        assert!(Location::parse("99DE").unwrap_err().to_string().contains("add it, e.g. 99DE00"));
        for bad in ["", "  ", "99 DE00", "99DE00\u{7}", &"x".repeat(65)] {
            assert!(Location::parse(bad).unwrap_err().to_string().contains("is not a school location"), "{bad:?}");
        }
    }
}
