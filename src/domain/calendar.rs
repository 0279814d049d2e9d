//! The organisation's calendar (CONTRACT §15): the one IANA time zone in which people type and
//! read days. The database and the API keep instants (unix seconds, RFC 3339 in UTC); this turns
//! them into the days, periods and clock times people mean, and back. Offsets come from the
//! IANA database compiled into the binary (jiff's bundled copy), never from a hand-written
//! table: zones change, and daylight saving exists outside China.
use super::period::Period;
use jiff::Timestamp;
use jiff::civil::{Date, date};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use std::sync::LazyLock;

/// Always the bundled database, so that a machine without `/usr/share/zoneinfo` (or with an
/// older one) reads the same zones as CI.
static ZONES: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);

#[derive(Clone, Debug)]
pub struct Calendar {
    zone: TimeZone,
    name: String,
}

/// A moment as people read it in the organisation's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    pub hour: u8,
    pub minute: u8,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar::utc()
    }
}

impl Calendar {
    pub fn utc() -> Calendar {
        Calendar { zone: TimeZone::UTC, name: "UTC".into() }
    }

    /// An IANA zone name such as `Asia/Shanghai`, `Europe/Berlin` or `UTC`.
    pub fn parse(name: &str) -> Result<Calendar, String> {
        let trimmed = name.trim();
        let bad =
            || format!("CANDOR_TIMEZONE {name:?} is not a time zone: give an IANA name such as Asia/Shanghai or UTC");
        // Only names: a fixed offset or a POSIX rule would freeze today's offsets.
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b)) {
            return Err(bad());
        }
        let zone = ZONES.get(trimmed).map_err(|_| bad())?;
        let name = zone.iana_name().unwrap_or(trimmed).to_string();
        Ok(Calendar { zone, name })
    }

    /// The zone's IANA name, as pages and emails name it.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn at(&self, secs: i64) -> jiff::ZonedDateTime {
        Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH).to_zoned_datetime(self.zone.clone())
    }

    /// The local clock and calendar at an instant.
    pub fn local(&self, secs: i64) -> LocalTime {
        let t = self.at(secs);
        LocalTime {
            year: i32::from(t.year()),
            month: t.month() as u8,
            day: t.day() as u8,
            weekday: t.weekday().to_monday_one_offset() as u8,
            hour: t.hour() as u8,
            minute: t.minute() as u8,
        }
    }

    /// The local day of an instant: `2026-12-31`.
    pub fn day(&self, secs: i64) -> String {
        self.at(secs).date().to_string()
    }

    /// The local date and clock time of an instant, to the second: `2026-12-31 23:59:59`.
    pub fn date_time(&self, secs: i64) -> String {
        let t = self.at(secs);
        format!("{} {}", t.date(), t.time().strftime("%H:%M:%S"))
    }

    /// Today's local date, the only time an anonymous response keeps.
    pub fn today(&self) -> String {
        self.day(super::time::now())
    }

    /// The first second of a local day typed as `YYYY-MM-DD` (local midnight, or the first
    /// moment after it where a zone skips midnight).
    pub fn day_start(&self, day: &str) -> Result<i64, String> {
        self.start_of(parse_day(day)?)
    }

    /// The last second of a local day typed as `YYYY-MM-DD` (23:59:59 local on most days).
    pub fn day_end(&self, day: &str) -> Result<i64, String> {
        let next = parse_day(day)?.tomorrow().map_err(|_| format!("{day:?} is too far in the future"))?;
        Ok(self.start_of(next)? - 1)
    }

    fn start_of(&self, day: Date) -> Result<i64, String> {
        let t = day.to_zoned_datetime(self.zone.clone()).and_then(|t| t.start_of_day());
        t.map(|t| t.timestamp().as_second()).map_err(|e| format!("{day}: {e}"))
    }

    /// The month, quarter or year (`every`) that an instant lies in, on the local calendar.
    pub fn period_at(&self, every: &str, secs: i64) -> Period {
        let t = self.local(secs);
        match every {
            "month" => Period::Month(t.year, t.month),
            "quarter" => Period::Quarter(t.year, (t.month - 1) / 3 + 1),
            _ => Period::Year(t.year),
        }
    }

    /// A period's local boundaries: its first second, and the first second of the next one.
    pub fn period_bounds(&self, p: Period) -> (i64, i64) {
        let (year, first, months) = match p {
            Period::Month(y, m) => (y, m, 1),
            Period::Quarter(y, q) => (y, (q - 1) * 3 + 1, 3),
            Period::Year(y) => (y, 1, 12),
        };
        let first_day = |y: i32, m: u8| {
            let (y, m) = if m > 12 { (y + 1, m - 12) } else { (y, m) };
            // Periods are years 2000 to 2200 (Period::parse), well inside i16.
            date(y as i16, m as i8, 1)
        };
        let start = self.start_of(first_day(year, first)).unwrap_or_default();
        let end = self.start_of(first_day(year, first + months)).unwrap_or_default();
        (start, end)
    }
}

fn parse_day(day: &str) -> Result<Date, String> {
    let bad = || format!("{day:?} is not a day such as 2027-01-31");
    if day.len() != 10 {
        return Err(bad());
    }
    day.parse::<Date>().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{parse_rfc3339, to_rfc3339};

    fn zone(name: &str) -> Calendar {
        Calendar::parse(name).unwrap()
    }

    fn at(raw: &str) -> i64 {
        parse_rfc3339(raw, "t").unwrap()
    }

    #[test]
    fn typed_days_open_at_local_midnight_and_close_at_the_end_of_the_local_day() {
        let cases = [
            ("UTC", "2027-01-01T00:00:00Z", "2027-01-31T23:59:59Z"),
            ("Asia/Shanghai", "2026-12-31T16:00:00Z", "2027-01-31T15:59:59Z"),
            ("Europe/Berlin", "2026-12-31T23:00:00Z", "2027-01-31T22:59:59Z"),
        ];
        for (name, opens, closes) in cases {
            let c = zone(name);
            assert_eq!(to_rfc3339(c.day_start("2027-01-01").unwrap()), opens, "{name}");
            assert_eq!(to_rfc3339(c.day_end("2027-01-31").unwrap()), closes, "{name}");
        }
        // Summer time in Berlin: UTC+2, and the day the clocks go forward has 23 hours.
        let berlin = zone("Europe/Berlin");
        assert_eq!(to_rfc3339(berlin.day_start("2027-07-01").unwrap()), "2027-06-30T22:00:00Z");
        let (start, end) = (berlin.day_start("2027-03-28").unwrap(), berlin.day_end("2027-03-28").unwrap());
        assert_eq!(end + 1 - start, 23 * 3600);
        assert!(zone("UTC").day_start("2027-02-30").is_err());
        assert!(zone("UTC").day_start("27-01-01").is_err());
    }

    #[test]
    fn periods_follow_the_local_calendar() {
        let shanghai = zone("Asia/Shanghai");
        // 00:30 on 1 April in Shanghai is still 31 March in UTC.
        assert_eq!(shanghai.period_at("quarter", at("2027-03-31T16:30:00Z")).to_string(), "2027-Q2");
        assert_eq!(zone("UTC").period_at("quarter", at("2027-03-31T16:30:00Z")).to_string(), "2027-Q1");
        // 23:30 local on the last day of a quarter is that quarter, wherever UTC is.
        for name in ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"] {
            let c = zone(name);
            let (_, end) = c.period_bounds(Period::Quarter(2027, 1));
            assert_eq!(c.period_at("quarter", end - 1800).to_string(), "2027-Q1", "{name}");
            assert_eq!(c.period_at("month", end).to_string(), "2027-04", "{name}");
            assert_eq!(c.period_at("year", end).to_string(), "2027", "{name}");
        }
        let (start, end) = zone("Europe/Berlin").period_bounds(Period::Month(2027, 3));
        assert_eq!(
            (to_rfc3339(start), to_rfc3339(end)),
            ("2027-02-28T23:00:00Z".into(), "2027-03-31T22:00:00Z".into())
        );
        let (start, _) = shanghai.period_bounds(Period::Year(2027));
        assert_eq!(to_rfc3339(start), "2026-12-31T16:00:00Z");
    }

    #[test]
    fn local_clock_and_days() {
        let t = zone("Asia/Shanghai").local(at("2027-01-31T15:59:59Z"));
        assert_eq!((t.year, t.month, t.day, t.weekday, t.hour, t.minute), (2027, 1, 31, 7, 23, 59));
        assert_eq!(zone("Asia/Shanghai").day(at("2027-01-31T16:00:00Z")), "2027-02-01");
        assert_eq!(zone("UTC").day(at("2027-01-31T16:00:00Z")), "2027-01-31");
        assert_eq!(zone("Europe/Berlin").date_time(at("2027-07-31T22:30:05Z")), "2027-08-01 00:30:05");
        assert_eq!(zone("UTC").date_time(at("2027-07-31T22:30:05Z")), "2027-07-31 22:30:05");
    }

    #[test]
    fn only_known_iana_names() {
        assert_eq!(zone("Asia/Shanghai").name(), "Asia/Shanghai");
        assert_eq!(zone("UTC").name(), "UTC");
        for bad in ["Mars/Olympus_Mons", "", "+08:00", "UTC+8", "EST5EDT,M3.2.0,M11.1.0", "../etc/passwd"] {
            let e = Calendar::parse(bad).unwrap_err();
            assert!(e.contains("CANDOR_TIMEZONE") && e.contains("IANA"), "{bad}: {e}");
        }
    }
}
