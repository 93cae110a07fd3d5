//! The school-year calendar of the transition (DOMAIN.md §4), as pure functions of a date.
//!
//! A Dutch school year runs from 1 August to 31 July. The next year may be prepared from
//! 1 August until 1 October; on 1 October the gateway starts it itself for every school
//! that has not. Dates are UTC calendar dates: the gateway's one clock is UTC, and a few
//! hours either side of midnight in Amsterdam change nothing a school notices.

use crate::message::values::Schooljaar;
use chrono::NaiveDate;

/// The year after `y`, if the calendar has one.
pub fn next(y: Schooljaar) -> Option<Schooljaar> {
    Schooljaar::new(y.start().checked_add(1)?)
}

/// The year before `y`, if the calendar has one.
pub fn previous(y: Schooljaar) -> Option<Schooljaar> {
    Schooljaar::new(y.start().checked_sub(1)?)
}

/// 1 August of the year's first calendar year: preparing may start.
pub fn opens(y: Schooljaar) -> NaiveDate {
    date(y.start(), 8, 1)
}

/// 1 October of the year's first calendar year: the gateway starts the year itself.
pub fn automatic_start(y: Schooljaar) -> NaiveDate {
    date(y.start(), 10, 1)
}

fn date(year: u16, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(year), month, day).unwrap_or_default()
}

/// Where `today` stands for preparing year `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Too early: preparing opens on this date.
    NotYet { opens: NaiveDate },
    /// Preparing is possible; the gateway starts the year itself on `closes`.
    Open { closes: NaiveDate },
    /// 1 October or later: the gateway starts the year (or has started it).
    Closed { since: NaiveDate },
}

pub fn window(y: Schooljaar, today: NaiveDate) -> Window {
    let (opens, closes) = (opens(y), automatic_start(y));
    if today < opens {
        Window::NotYet { opens }
    } else if today < closes {
        Window::Open { closes }
    } else {
        Window::Closed { since: closes }
    }
}

/// The year a school whose newest year is `current` is due to start automatically today, if
/// any: the year `today` falls in, once its 1 October has come. A school that missed more
/// than one year goes straight to today's year.
pub fn due_automatically(current: Schooljaar, today: NaiveDate) -> Option<Schooljaar> {
    let y = Schooljaar::containing(today)?;
    (y > current && today >= automatic_start(y)).then_some(y)
}

/// Whether a year started on `started` and not yet completed gets a reminder `today`, when
/// the last one went out on `last`: once a day from 1 October, never on the day it started.
pub fn reminder_due(y: Schooljaar, started: NaiveDate, last: Option<NaiveDate>, today: NaiveDate) -> bool {
    today >= automatic_start(y) && today > started && last.is_none_or(|l| l < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn year(s: &str) -> Schooljaar {
        Schooljaar::parse(s).unwrap()
    }

    #[test]
    fn the_next_and_the_previous_year() {
        assert_eq!(next(year("2025-2026")), Some(year("2026-2027")));
        assert_eq!(previous(year("2025-2026")), Some(year("2024-2025")));
    }

    #[test]
    fn the_window_is_1_august_to_1_october() {
        let y = year("2026-2027");
        assert_eq!(window(y, d(2026, 7, 31)), Window::NotYet { opens: d(2026, 8, 1) });
        assert_eq!(window(y, d(2026, 8, 1)), Window::Open { closes: d(2026, 10, 1) });
        assert_eq!(window(y, d(2026, 9, 30)), Window::Open { closes: d(2026, 10, 1) });
        assert_eq!(window(y, d(2026, 10, 1)), Window::Closed { since: d(2026, 10, 1) });
    }

    #[test]
    fn the_automatic_start_comes_on_1_october() {
        let cur = year("2025-2026");
        assert_eq!(due_automatically(cur, d(2026, 9, 30)), None);
        assert_eq!(due_automatically(cur, d(2026, 10, 1)), Some(year("2026-2027")));
        assert_eq!(due_automatically(cur, d(2027, 3, 1)), Some(year("2026-2027")));
        assert_eq!(due_automatically(year("2026-2027"), d(2026, 10, 1)), None);
        // Two years behind: straight to this year.
        assert_eq!(due_automatically(year("2024-2025"), d(2026, 10, 2)), Some(year("2026-2027")));
        // In August of a year after a missed one, the missed one is not started any more.
        assert_eq!(due_automatically(year("2024-2025"), d(2026, 8, 15)), None);
    }

    #[test]
    fn reminders_go_once_a_day_from_1_october() {
        let y = year("2026-2027");
        let oct1 = d(2026, 10, 1);
        assert!(!reminder_due(y, oct1, None, oct1), "not on the day it started");
        assert!(reminder_due(y, oct1, None, d(2026, 10, 2)));
        assert!(!reminder_due(y, oct1, Some(d(2026, 10, 2)), d(2026, 10, 2)), "once a day");
        assert!(reminder_due(y, oct1, Some(d(2026, 10, 2)), d(2026, 10, 3)));
        assert!(!reminder_due(y, d(2026, 8, 20), None, d(2026, 9, 30)), "not before 1 October");
        assert!(reminder_due(y, d(2026, 8, 20), None, oct1));
    }
}
