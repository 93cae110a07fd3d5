//! Many rows in one statement. On SQLite every statement is a round trip to sqlx's worker
//! thread (two context switches, about 40 µs on the project's machine whatever the
//! statement does), so a school's import or results written one row per statement spent
//! most of its time switching threads (docs/benchmarks.md, `uwlr simulate`).
//!
//! [`Placeholders`] writes the parameters of such a statement in the order they appear in
//! its text: `$1, $2, …` for PostgreSQL, anonymous `?` for SQLite. Not `$n` on SQLite: sqlx
//! looks each parameter's name up (`sqlite3_bind_parameter_name`, a linear search), so a
//! statement of n named parameters costs n² string compares to bind: 28 % of the whole
//! simulation's CPU at 400 rows a statement. sqlx's `QueryBuilder` writes `?` for the `Any`
//! driver, which PostgreSQL does not take. So a bulk statement binds its values in the
//! order its text names them, each use of a value bound again.

use sqlx::AnyConnection;
/// Rows per statement: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters for the
/// widest row written in bulk (16 columns), and few enough distinct statement texts.
pub(crate) const CHUNK: usize = 400;

/// The next parameters of one statement, numbered in the order they are written.
pub(crate) struct Placeholders {
    numbered: bool,
    next: usize,
}

impl Placeholders {
    /// Placeholders for a statement on `conn`'s database.
    pub(crate) fn on(conn: &AnyConnection) -> Placeholders {
        Placeholders { numbered: !conn.backend_name().eq_ignore_ascii_case("sqlite"), next: 1 }
    }

    /// One parameter.
    pub(crate) fn one(&mut self) -> String {
        if !self.numbered {
            return "?".to_string();
        }
        self.next += 1;
        format!("${}", self.next - 1)
    }

    /// `(p, p), (p, p)` for `rows` rows of `cols` parameters.
    pub(crate) fn values(&mut self, rows: usize, cols: usize) -> String {
        let mut s = String::with_capacity(rows * cols * 6);
        for r in 0..rows {
            s.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..cols {
                if c > 0 {
                    s.push_str(", ");
                }
                s.push_str(&self.one());
            }
            s.push(')');
        }
        s
    }

    /// `p, p, p` for `n` parameters: the inside of an `IN (…)`.
    pub(crate) fn list(&mut self, n: usize) -> String {
        (0..n).map(|_| self.one()).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_row_by_row() {
        let numbered = |next| Placeholders { numbered: true, next };
        assert_eq!(numbered(1).values(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(numbered(4).values(1, 2), "($4, $5)");
        assert_eq!(numbered(2).list(3), "$2, $3, $4");
        assert_eq!(numbered(1).list(0), "");
        let mut p = Placeholders { numbered: true, next: 1 };
        assert_eq!((p.one(), p.values(1, 2), p.list(2)), ("$1".into(), "($2, $3)".into(), "$4, $5".into()));
        let mut p = Placeholders { numbered: false, next: 1 };
        assert_eq!((p.one(), p.values(2, 2), p.list(1)), ("?".into(), "(?, ?), (?, ?)".into(), "?".into()));
    }
}
