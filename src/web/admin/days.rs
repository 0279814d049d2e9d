//! The cycle form's days: local days in the organisation's zone (CONTRACT §15), and labels that
//! say so.
use crate::domain::calendar::Calendar;
use crate::i18n::DashText;

/// The labels of the form's two days and the hint beneath them, naming the zone.
pub(super) struct DayLabels {
    pub(super) opens: String,
    pub(super) closes: String,
    pub(super) hint: String,
}

impl DayLabels {
    pub(super) fn new(t: &DashText, calendar: &Calendar) -> DayLabels {
        let zone = [("zone", calendar.name())];
        DayLabels {
            opens: crate::i18n::fill(t.opens, &zone),
            closes: crate::i18n::fill(t.closes, &zone),
            hint: crate::i18n::fill(t.days_hint, &zone),
        }
    }
}

/// The form's first and last day as the API's instants: local midnight of the first, the end of
/// the local last day.
pub(super) fn instants(calendar: &Calendar, opens: &str, closes: &str) -> crate::app::Result<(String, String)> {
    let at = |edge: Result<i64, String>, field: &str| {
        edge.map(crate::domain::time::to_rfc3339)
            .map_err(|e| crate::app::Error::invalid("invalid_cycle", format!("{field}: {e}")))
    };
    Ok((at(calendar.day_start(opens.trim()), "opens")?, at(calendar.day_end(closes.trim()), "closes")?))
}
