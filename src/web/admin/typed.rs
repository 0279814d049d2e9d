//! What a refused admin form had typed, so the page shows it back instead of empty fields.
use super::Notice;
use super::cycle_forms::CycleForm;
use super::schedules::ScheduleForm;

/// What a refused form had typed, so the page shows it back instead of empty fields.
#[derive(Default)]
pub(in crate::web) struct Typed {
    /// Which form: `cycle`, `key`, `sign_out`, `erase`, `schedule`, `webhook`, or a cycle's `launch` or `invite`.
    form: &'static str,
    values: Vec<(&'static str, String)>,
}

impl Typed {
    pub(super) fn new(form: &'static str, values: Vec<(&'static str, String)>) -> Typed {
        Typed { form, values }
    }

    /// What was typed in `field` of `form`; `default` when that form was not the one refused.
    pub fn or<'a>(&'a self, form: &str, field: &str, default: &'a str) -> &'a str {
        if self.form != form {
            return default;
        }
        self.values.iter().find(|(f, _)| *f == field).map_or(default, |(_, v)| v.as_str())
    }

    /// The same for a form drawn once per cycle (`launch`, `invite`): only that cycle's form
    /// shows what was typed.
    pub fn in_cycle<'a>(&'a self, form: &str, cycle: &str, field: &str, default: &'a str) -> &'a str {
        if self.or(form, "cycle", "") != cycle {
            return default;
        }
        self.or(form, field, default)
    }

    /// The survey a cycle's form had chosen when it is not among those listed (since removed,
    /// or never there), so the refused choice is shown rather than silently replaced.
    pub fn unlisted<'a>(&'a self, form: &str, cycle: &str, listed: &[(String, String)]) -> Option<&'a str> {
        let chosen = self.in_cycle(form, cycle, "survey", "");
        (!chosen.is_empty() && !listed.iter().any(|(id, _)| id == chosen)).then_some(chosen)
    }
}

/// The cycle form as typed, to show back when it is refused.
pub(super) fn typed_cycle(form: CycleForm) -> Notice {
    let CycleForm { id, title, title_zh, period, opens, closes, min_raters, .. } = form;
    let values = vec![
        ("id", id),
        ("title", title),
        ("title_zh", title_zh),
        ("period", period),
        ("opens", opens),
        ("closes", closes),
        ("min_raters", min_raters.map(|n| n.to_string()).unwrap_or_default()),
        ("weight_manager", form.weight_manager),
        ("weight_peer", form.weight_peer),
        ("weight_direct_report", form.weight_direct_report),
        ("remind_every_days", form.remind_every_days),
        ("max_reminders", form.max_reminders),
    ];
    Notice { typed: Typed::new("cycle", values), ..Notice::default() }
}

/// The schedule form as typed, to show back when it is refused.
pub(super) fn typed_schedule(form: ScheduleForm) -> Notice {
    let values = vec![
        ("id", form.id),
        ("title", form.title),
        ("every", form.every),
        ("survey", form.survey),
        ("invite", form.invite),
        ("open_days", form.open_days.to_string()),
        ("min_raters", form.min_raters.map(|n| n.to_string()).unwrap_or_default()),
    ];
    Notice { typed: Typed::new("schedule", values), ..Notice::default() }
}
