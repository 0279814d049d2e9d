//! Time as the database and the API keep it: unix seconds, and RFC 3339 in UTC. Days people
//! read are local: see `calendar`.
use chrono::Datelike;
use chrono::{DateTime, SecondsFormat, Utc};

pub fn now() -> i64 {
    Utc::now().timestamp()
}

pub fn parse_rfc3339(raw: &str, what: &str) -> Result<i64, String> {
    let t = DateTime::parse_from_rfc3339(raw)
        .map_err(|_| format!("{what} {raw:?} is not an RFC 3339 time such as 2026-10-01T00:00:00Z"))?;
    // Years a review cycle can really have; year 0 or 9999 is a typo, not a plan.
    if !(2000..=2200).contains(&t.year()) {
        return Err(format!("{what} {raw:?} must be in a year from 2000 to 2200"));
    }
    Ok(t.timestamp())
}

pub fn to_rfc3339(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = parse_rfc3339("2026-12-31T23:59:59Z", "closes_at").unwrap();
        assert_eq!(to_rfc3339(t), "2026-12-31T23:59:59Z");
        let beijing = parse_rfc3339("2026-10-01T08:00:00+08:00", "x").unwrap();
        assert_eq!(beijing, parse_rfc3339("2026-10-01T00:00:00Z", "x").unwrap());
        assert!(parse_rfc3339("2026-13-01", "opens_at").is_err());
    }
}
