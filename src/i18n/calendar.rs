//! Days and clock times as people read them, in English and Simplified Chinese, on the
//! organisation's calendar (CONTRACT §15). The zone is named by its IANA name.
use crate::domain::Locale;
use crate::domain::calendar::LocalTime;

pub struct CalendarText {
    /// Monday first.
    weekdays: [&'static str; 7],
    months: [&'static str; 12],
    /// `{weekday}`, `{day}`, `{month}` (the name), `{m}` (the number), `{year}`.
    date: &'static str,
    /// `{date}`, `{time}` (24-hour `23:59`), `{zone}`.
    date_time: &'static str,
}

static EN: CalendarText = CalendarText {
    weekdays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    date: "{weekday}, {day} {month} {year}",
    date_time: "{date}, {time} ({zone})",
};

static ZH_CN: CalendarText = CalendarText {
    weekdays: ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"],
    months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
    date: "{year}年{m}月{day}日（{weekday}）",
    date_time: "{date}{time}（{zone}）",
};

fn calendar_text(locale: Locale) -> &'static CalendarText {
    match locale {
        Locale::En => &EN,
        Locale::ZhCn => &ZH_CN,
    }
}

/// "Sunday, 31 January 2027" / "2027年1月31日（星期日）".
pub fn date(locale: Locale, t: &LocalTime) -> String {
    let c = calendar_text(locale);
    let (year, m, day) = (t.year.to_string(), t.month.to_string(), t.day.to_string());
    let weekday = c.weekdays[usize::from(t.weekday.clamp(1, 7) - 1)];
    let month = c.months[usize::from(t.month.clamp(1, 12) - 1)];
    let vars = [("weekday", weekday), ("day", &day), ("month", month), ("m", &m), ("year", &year)];
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
