//! Days and clock times as people read them, in English and Simplified Chinese, on the
//! organisation's calendar (CONTRACT §15), from `locales/*/calendar.ftl`. The zone is named by
//! its IANA name.
use super::bundle::{Msg, PerLocale, cached, texts};
use crate::domain::Locale;
use crate::domain::calendar::LocalTime;

texts! {
    pub struct CalendarText {
        "calendar" {
            /// Monday first.
            weekdays: [&'static str; 7],
            /// January first, as a date writes the month: a name, or in Chinese its number.
            months: [&'static str; 12],
            /// `{ $weekday }`, `{ $day }`, `{ $month }`, `{ $year }`.
            date: Msg,
            /// `{ $date }`, `{ $time }` (24-hour `23:59`), `{ $zone }`.
            date_time: Msg,
        }
    }
}

fn calendar_text(locale: Locale) -> &'static CalendarText {
    static TEXTS: PerLocale<CalendarText> = [const { std::sync::OnceLock::new() }; 2];
    cached(&TEXTS, locale, CalendarText::load)
}

/// "Sunday, 31 January 2027" / "2027年1月31日（星期日）".
pub fn date(locale: Locale, t: &LocalTime) -> String {
    let c = calendar_text(locale);
    let (year, day) = (t.year.to_string(), t.day.to_string());
    let weekday = c.weekdays[usize::from(t.weekday.clamp(1, 7) - 1)];
    let month = c.months[usize::from(t.month.clamp(1, 12) - 1)];
    let vars = [("weekday", weekday), ("day", &day), ("month", month), ("year", &year)];
    super::fill(c.date, &vars)
}

/// "Sunday, 31 January 2027, 23:59 (Asia/Shanghai)" / "2027年1月31日（星期日）23:59（Asia/Shanghai）".
pub fn date_time(locale: Locale, t: &LocalTime, zone: &str) -> String {
    let c = calendar_text(locale);
    let time = format!("{:02}:{:02}", t.hour, t.minute);
    super::fill(c.date_time, &[("date", &date(locale, t)), ("time", &time), ("zone", zone)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_in_each_language() {
        let t = LocalTime { year: 2027, month: 2, day: 1, weekday: 1, hour: 1, minute: 0 };
        assert_eq!(date_time(Locale::En, &t, "Asia/Shanghai"), "Monday, 1 February 2027, 01:00 (Asia/Shanghai)");
        assert_eq!(date_time(Locale::ZhCn, &t, "Asia/Shanghai"), "2027年2月1日（星期一）01:00（Asia/Shanghai）");
    }
}
