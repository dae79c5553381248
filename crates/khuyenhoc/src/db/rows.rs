//! Many rows per statement: the one builder of multi-row `VALUES` lists and `IN (…)` lists, used by
//! the imports, the counters' upsert and the data generator.
//!
//! Every value is a bind parameter, so the statement text of a full batch is the same each time
//! and each backend prepares it once. A statement stays under both backends' limits on bind
//! parameters (SQLite 32,766, PostgreSQL 65,535).
//!
//! This is the one place where the SQL differs by backend: SQLite gets anonymous `?` parameters
//! rather than `$n`, because it looks a numbered parameter up in a list, so binding n of them costs
//! n² (a 16,000-parameter statement took half a second); PostgreSQL gets `$1, $2, …`.

use super::Backend;

/// Bind parameters per statement at most: below SQLite's 32,766 (and PostgreSQL's 65,535).
pub const MAX_PARAMS: usize = 30_000;

/// Rows per statement for rows of `binds` parameters each, at most `cap`.
pub fn per_statement(binds: usize, cap: usize) -> usize {
    (MAX_PARAMS / binds.max(1)).clamp(1, cap.max(1))
}

/// `rows` copies of `row` (a tuple such as `(?, ?, 'x')` whose `?` are bind parameters) separated
/// by commas, the parameters numbered from 1 for the backend.
pub fn values(backend: Backend, rows: usize, row: &str) -> String {
    values_from(backend, 1, rows, row)
}

/// [`values`] with the parameters numbered from `first`, for a list that follows `$1…` of the
/// statement's own. SQLite cannot mix anonymous and numbered parameters, so after the first
/// parameter it gets `$n` too (and their n² lookup: keep such lists to hundreds of rows).
pub fn values_from(backend: Backend, first: usize, rows: usize, row: &str) -> String {
    let backend = if first > 1 {
        Backend::Postgres
    } else {
        backend
    };
    let per = row.matches('?').count();
    let mut out = String::with_capacity(rows * (row.len() + 6 * per + 2));
    let mut n = first.saturating_sub(1);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        for ch in row.chars() {
            if ch != '?' {
                out.push(ch);
                continue;
            }
            n += 1;
            mark(&mut out, backend, n);
        }
    }
    out
}

/// `(…)` of `n` parameters numbered from `first` for the backend, for `IN` lists (anonymous on
/// SQLite: the statement's parameters must all be anonymous there, bound in the order they
/// appear).
pub fn in_list(backend: Backend, first: usize, n: usize) -> String {
    let mut out = String::with_capacity(n * 6 + 2);
    out.push('(');
    for i in first..first + n {
        if i > first {
            out.push_str(", ");
        }
        mark(&mut out, backend, i);
    }
    out.push(')');
    out
}

/// A row template of `n` parameters: `(?, ?, …)`, then `tail` literals (`, 'x', 0`) when given.
pub fn row_of(n: usize, tail: &str) -> String {
    let mut row = String::with_capacity(n * 3 + tail.len() + 2);
    row.push('(');
    for i in 0..n {
        if i > 0 {
            row.push_str(", ");
        }
        row.push('?');
    }
    row.push_str(tail);
    row.push(')');
    row
}

fn mark(out: &mut String, backend: Backend, n: usize) {
    match backend {
        Backend::Sqlite => out.push('?'),
        Backend::Postgres => {
            out.push('$');
            out.push_str(&n.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_number_parameters_per_backend() {
        let row = row_of(2, ", 'x'");
        assert_eq!(row, "(?, ?, 'x')");
        assert_eq!(values(Backend::Sqlite, 2, &row), "(?, ?, 'x'), (?, ?, 'x')");
        assert_eq!(
            values(Backend::Postgres, 2, &row),
            "($1, $2, 'x'), ($3, $4, 'x')"
        );
        assert_eq!(in_list(Backend::Postgres, 3, 2), "($3, $4)");
        assert_eq!(in_list(Backend::Sqlite, 3, 2), "(?, ?)");
        assert_eq!(
            values_from(Backend::Sqlite, 2, 2, "(?, ?)"),
            "($2, $3), ($4, $5)"
        );
        assert_eq!(values_from(Backend::Sqlite, 1, 1, "(?, ?)"), "(?, ?)");
    }

    #[test]
    fn statements_stay_under_the_parameter_limit() {
        assert_eq!(per_statement(5, 1000), 1000);
        assert_eq!(per_statement(50, 5000), 600);
        assert_eq!(per_statement(0, 10), 10);
        assert!(per_statement(40_000, 10) >= 1);
    }
}
