//! Many rows in one statement. On SQLite every statement is a round trip to sqlx's worker
//! thread (two context switches, about 40 µs on the project's machine whatever the
//! statement does), so a school's import or results written one row per statement spent
//! most of its time switching threads (docs/benchmarks.md, `uwlr simulate`). These helpers
//! write the `$n` placeholders of a multi-row `VALUES` list or an `IN (…)` list; sqlx's
//! `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL does not take.

use std::fmt::Write;

/// Rows per statement: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters for the
/// widest row written in bulk (16 columns), and few enough distinct statement texts.
pub(crate) const CHUNK: usize = 400;

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` parameters, numbered from `$first`.
pub(crate) fn values(rows: usize, cols: usize, first: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            let _ = write!(s, "${}", first + r * cols + c);
        }
        s.push(')');
    }
    s
}

/// `$3, $4, $5` for `n` parameters from `$first`: the inside of an `IN (…)`.
pub(crate) fn list(n: usize, first: usize) -> String {
    let mut s = String::with_capacity(n * 5);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "${}", first + i);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_row_by_row() {
        assert_eq!(values(2, 3, 1), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values(1, 2, 4), "($4, $5)");
        assert_eq!(list(3, 2), "$2, $3, $4");
        assert_eq!(list(0, 1), "");
    }
}
