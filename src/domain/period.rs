//! Review periods (CONTRACT §7): a month `YYYY-MM`, a quarter `YYYY-Qn` or a year `YYYY`.
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Year(i32),
    Quarter(i32, u8),
    Month(i32, u8),
}

/// A month, quarter or year from 2000 to 2200, as the OpenAPI document states it.
pub const PERIOD_PATTERN: &str = "^(20[0-9]{2}|21[0-9]{2}|2200)(-(0[1-9]|1[0-2])|-Q[1-4])?$";

impl Period {
    pub fn parse(raw: &str) -> Result<Period, String> {
        let bad = || format!("period {raw:?} must be a month (2026-11), a quarter (2026-Q4) or a year (2026)");
        let year = |y: &str| {
            let digits = y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit());
            y.parse::<i32>().ok().filter(|n| digits && (2000..=2200).contains(n)).ok_or_else(bad)
        };
        match raw.split_once('-') {
            None => Ok(Period::Year(year(raw)?)),
            Some((y, q)) if q.starts_with('Q') => {
                let digits = &q[1..];
                let quarter = digits.parse::<u8>().ok().filter(|n| digits.len() == 1 && (1..=4).contains(n));
                Ok(Period::Quarter(year(y)?, quarter.ok_or_else(bad)?))
            }
            Some((y, m)) => {
                let month = m.parse::<u8>().ok().filter(|n| m.len() == 2 && (1..=12).contains(n));
                Ok(Period::Month(year(y)?, month.ok_or_else(bad)?))
            }
        }
    }

    fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Quarter(y, _) | Period::Month(y, _) => y,
        }
    }

    /// This period and the periods it lies inside: a month, its quarter and its year.
    pub fn with_enclosing(self) -> Vec<Period> {
        match self {
            Period::Month(y, m) => vec![self, Period::Quarter(y, (m - 1) / 3 + 1), Period::Year(y)],
            Period::Quarter(y, _) => vec![self, Period::Year(y)],
            Period::Year(_) => vec![self],
        }
    }

    /// The period after this one, of the same kind.
    pub fn next(self) -> Period {
        match self {
            Period::Year(y) => Period::Year(y + 1),
            Period::Quarter(y, 4) => Period::Quarter(y + 1, 1),
            Period::Quarter(y, q) => Period::Quarter(y, q + 1),
            Period::Month(y, 12) => Period::Month(y + 1, 1),
            Period::Month(y, m) => Period::Month(y, m + 1),
        }
    }

    /// The (year, month) the period starts in.
    pub fn first_month(self) -> (i32, u8) {
        match self {
            Period::Year(y) => (y, 1),
            Period::Quarter(y, q) => (y, (q - 1) * 3 + 1),
            Period::Month(y, m) => (y, m),
        }
    }

    /// Whether `inner` lies inside this period (a period lies inside itself).
    pub fn contains(self, inner: Period) -> bool {
        if self.year() != inner.year() {
            return false;
        }
        match (self, inner) {
            (Period::Year(_), _) => true,
            (Period::Quarter(_, q), Period::Quarter(_, r)) => q == r,
            (Period::Quarter(_, q), Period::Month(_, m)) => (m - 1) / 3 + 1 == q,
            (Period::Month(_, a), Period::Month(_, b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_print_back() {
        for raw in ["2026", "2026-Q4", "2026-11", "2026-01"] {
            assert_eq!(Period::parse(raw).unwrap().to_string(), raw);
        }
        for bad in ["26", "2026-Q5", "2026-13", "2026-1", "2026-q4", "1999", "2026-Q04", "x"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn months_lie_in_their_quarter_and_year() {
        let p = |s| Period::parse(s).unwrap();
        assert!(p("2026-Q4").contains(p("2026-11")));
        assert!(!p("2026-Q4").contains(p("2026-09")));
        assert!(p("2026").contains(p("2026-Q2")) && p("2026").contains(p("2026-02")));
        assert!(!p("2026").contains(p("2025-12")));
        assert!(!p("2026-11").contains(p("2026-Q4")), "a quarter is not inside a month");
        assert!(p("2026-Q4").contains(p("2026-Q4")));
    }
}
