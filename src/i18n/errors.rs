//! What a refusal says on a page, by its `code`: one sentence in English and one in Simplified
//! Chinese for every code the use cases (and the pages themselves) build. A plain table keyed by
//! code, so it can move to translation files as it is. The English `message` of an error is for
//! the API and the logs; a page shows this sentence, and the row or value the error names.
use crate::domain::Locale;

/// `(code, English, 简体中文)`.
const TEXTS: &[(&str, &str, &str)] = &[
    // Not there.
    ("not_found", "Nothing with this id was found.", "找不到此编号对应的内容。"),
    // Invalid in itself: the request needs changing.
    (
        "anonymous_needs_email",
        "Anonymous reviews are only sent by email, to an address on record.",
        "匿名评价只通过邮件发送到登记的邮箱地址。",
    ),
    ("approver_in_list", "You cannot add yourself to a list you approve.", "您不能把自己加入由您审批的名单。"),
    ("cycle_or_period", "Choose either a cycle or a period.", "请选择一个周期或一个时段。"),
    ("duplicate_id", "This id is listed twice.", "此编号出现了两次。"),
    ("feedback_empty", "Write at least one part before sharing.", "请至少填写一部分后再分享。"),
    ("invalid_after", "This is not a valid id to continue from.", "这不是可用于继续翻页的有效编号。"),
    ("invalid_answers", "Answers are either kept or deleted.", "答案只能保留或删除。"),
    ("invalid_before", "This is not a valid entry number.", "这不是有效的记录编号。"),
    ("invalid_characters", "The text holds control or invisible characters.", "文本中含有控制字符或不可见字符。"),
    ("invalid_csv", "This file cannot be read as CSV with the expected columns.", "无法按预期的列读取此 CSV 文件。"),
    (
        "invalid_cycle",
        "The cycle's settings are not valid: check its dates, numbers and weights.",
        "周期设置无效：请检查日期、数字和权重。",
    ),
    ("invalid_draft", "This form cannot be saved.", "无法保存此表单。"),
    (
        "too_many_invitations",
        "This would create too many invitations at once. Launch in parts: a few teams or listed people at a time.",
        "一次创建的邀请过多。请分批发起：每次选择部分团队或列出的人员。",
    ),
    ("invalid_email", "This is not a valid email address.", "这不是有效的邮箱地址。"),
    (
        "invalid_id",
        "An id may only use letters, digits and - _ . : (at most 64 characters).",
        "编号只能使用字母、数字和 - _ . :（最多 64 个字符）。",
    ),
    ("invalid_import", "Choose what to import: people or customers.", "请选择导入的类型：人员或客户。"),
    (
        "invalid_invitation",
        "Name either the person or the customer who was asked.",
        "请填写受邀的人员或客户（二选一）。",
    ),
    (
        "invalid_key",
        "The key needs a name of 1 to 100 characters and a scope: admin, scores or scim.",
        "密钥需要 1 至 100 个字符的名称，以及一个范围：admin、scores 或 scim。",
    ),
    ("invalid_limit", "The page size is out of range.", "每页数量超出范围。"),
    ("invalid_locale", "The language must be en or zh-CN.", "语言必须是 en 或 zh-CN。"),
    (
        "invalid_name",
        "The name must be 1 to 200 characters, with no control characters.",
        "姓名须为 1 至 200 个字符，且不含控制字符。",
    ),
    (
        "invalid_peers",
        "The least and most peers must be 1 to 50, the most no fewer than the least.",
        "同事人数下限和上限须在 1 至 50 之间，且上限不少于下限。",
    ),
    (
        "invalid_period",
        "A period is a month (2026-11), a quarter (2026-Q4) or a year (2026).",
        "时段须为月份（2026-11）、季度（2026-Q4）或年份（2026）。",
    ),
    (
        "invalid_phone",
        "This is not a phone number (digits, spaces and + - ( ) ., 5 to 30 characters).",
        "这不是电话号码（数字、空格和 + - ( ) .，5 至 30 个字符）。",
    ),
    ("invalid_role", "The role must be snake_case, such as sales_manager.", "角色须为蛇形命名，例如 sales_manager。"),
    (
        "invalid_schedule",
        "The schedule's settings are not valid: check its period, survey, invitees and days.",
        "计划设置无效：请检查周期间隔、问卷、受邀对象和天数。",
    ),
    ("invalid_subject", "This is not a valid person id.", "这不是有效的人员编号。"),
    (
        "invalid_survey",
        "The survey cannot be saved: check its id, title and every question.",
        "无法保存问卷：请检查编号、标题和每个问题。",
    ),
    (
        "invalid_team",
        "The team must be 1 to 100 characters, with no control characters.",
        "团队名称须为 1 至 100 个字符，且不含控制字符。",
    ),
    ("invalid_time", "This is not a valid time.", "这不是有效的时间。"),
    (
        "invalid_webhook",
        "The webhook needs an https address and a secret of 16 to 256 characters.",
        "Webhook 需要 https 地址和 16 至 256 个字符的密钥。",
    ),
    ("invalidValue", "A value of this user cannot be stored.", "此用户的某个值无法保存。"),
    ("mutability", "This value can only be changed on the admin pages.", "此值只能在管理页面中修改。"),
    ("no_contact", "A customer needs an email address or a phone number.", "客户需要邮箱地址或电话号码。"),
    ("not_confirmed", "Tick the box to confirm; nothing was changed.", "请勾选确认框；未做任何更改。"),
    (
        "own_admin_rights",
        "You cannot remove your own admin rights; ask another admin.",
        "您不能移除自己的管理员权限；请联系其他管理员。",
    ),
    (
        "peer_count",
        "The number of colleagues chosen is outside what this cycle allows.",
        "所选同事人数不在本周期允许的范围内。",
    ),
    ("text_too_long", "The text is too long.", "文本过长。"),
    // Does not fit what is stored: the data needs changing first.
    (
        "admin_email",
        "An administrator's email address changes only on the admin pages.",
        "管理员的邮箱地址只能在管理页面中修改。",
    ),
    ("already_answered", "This has been answered already.", "此项已经作答。"),
    ("cycle_closed", "This cycle is closed and can no longer change.", "此周期已结束，无法再更改。"),
    ("cycle_exists", "A cycle with this id exists already.", "已存在使用此编号的周期。"),
    ("cycle_open", "Feedback is written once the cycle is closed.", "周期结束后才能撰写反馈。"),
    ("email_taken", "This email address belongs to another person.", "此邮箱地址已属于其他人员。"),
    ("feedback_shared", "This feedback was shared and is final.", "此反馈已分享，不能再修改。"),
    ("followed_up", "This answer was followed up already.", "此回答已跟进。"),
    ("import_expired", "This preview has expired; upload the file again.", "此预览已过期；请重新上传文件。"),
    ("inactive_person", "This person has left and takes part in nothing new.", "此人已离职，不再参与新的评价。"),
    ("invalid_nominee", "This colleague cannot review this person as a peer.", "这位同事不能以同事身份评价此人。"),
    ("invitation_revoked", "This invitation was revoked and stays so.", "此邀请已撤销，且不会恢复。"),
    ("management_cycle", "These people would manage each other.", "这样设置会使人员互为上级。"),
    (
        "min_raters_locked",
        "The cycle has invitations: its minimum number of raters cannot drop.",
        "此周期已有邀请：最少评价人数不能降低。",
    ),
    ("no_email", "This customer has no email address.", "此客户没有邮箱地址。"),
    ("nomination_approved", "This list was approved already.", "此名单已获批准。"),
    ("nothing_to_acknowledge", "No shared feedback waits for your acknowledgement.", "没有等待您确认的已分享反馈。"),
    (
        "one_anonymous_survey",
        "An anonymous group answers one survey per cycle; use the same survey for all of it.",
        "每个匿名评价组在一个周期内只能回答一份问卷；请为整组使用同一份问卷。",
    ),
    ("relation_mismatch", "This relation does not fit the survey or the org chart.", "此关系与问卷或组织架构不符。"),
    (
        "reminded_recently",
        "Reminders for this cycle went out a short while ago; try again later.",
        "此周期的提醒刚刚发出；请稍后再试。",
    ),
    (
        "survey_frozen",
        "This survey has invitations and can no longer change; save it under a new id.",
        "此问卷已有邀请，无法再更改；请以新编号保存。",
    ),
    ("uniqueness", "Another person has this id or user name.", "其他人员已使用此编号或用户名。"),
    ("unknown_invitation", "No such invitation in this cycle.", "本周期中没有此邀请。"),
    ("unknown_manager", "No person has this manager id.", "没有人员使用此上级编号。"),
    ("unknown_owner", "No person has this owner id.", "没有人员使用此负责人编号。"),
    ("unknown_person", "No person has this email address.", "没有人员使用此邮箱地址。"),
    ("unknown_respondent", "No person or customer has this id.", "没有人员或客户使用此编号。"),
    ("unknown_subject", "No person has this id.", "没有人员使用此编号。"),
    ("unknown_survey", "No survey has this id.", "没有问卷使用此编号。"),
    (
        "unsealable",
        "Sealed answers cannot be opened with this server key; nothing was released.",
        "无法用此服务器密钥打开已封存的答案；未发布任何结果。",
    ),
    (
        "wrong_old_key",
        "This database is not sealed under the old key; nothing was changed.",
        "此数据库并非用旧密钥封存；未做任何更改。",
    ),
    // Issue 28 (journeys): the CSV preview marks each repeated address.
    ("duplicate_email", "This email address is listed twice.", "此邮箱地址出现了两次。"),
];

/// The sentence for a code without one of its own (never for a code built in the code base:
/// a test checks that).
const OTHER: (&str, &str) = ("This cannot be done as it stands.", "无法按现状完成此操作。");

/// The sentence for `code`, if it has one.
pub fn error_text(locale: Locale, code: &str) -> Option<&'static str> {
    TEXTS.iter().find(|(c, ..)| *c == code).map(|(_, en, zh)| match locale {
        Locale::En => *en,
        Locale::ZhCn => *zh,
    })
}

/// What a page says for an error with this code, naming the value it is about (an id, a
/// period) when there is one.
pub fn refusal(locale: Locale, code: &str, value: Option<&str>) -> String {
    let sentence = error_text(locale, code).unwrap_or(match locale {
        Locale::En => OTHER.0,
        Locale::ZhCn => OTHER.1,
    });
    match (value, locale) {
        (None, _) => sentence.to_string(),
        (Some(v), Locale::En) => format!("{v}: {sentence}"),
        (Some(v), Locale::ZhCn) => format!("{v}：{sentence}"),
    }
}

/// The same for one row of a request or a file: `row` counts from 1, as the page shows rows.
pub fn row_refusal(locale: Locale, row: usize, id: &str, code: &str) -> String {
    let sentence = refusal(locale, code, None);
    match (id.is_empty(), locale) {
        (true, Locale::En) => format!("Row {row}: {sentence}"),
        (true, Locale::ZhCn) => format!("第 {row} 行：{sentence}"),
        (false, Locale::En) => format!("Row {row} ({id}): {sentence}"),
        (false, Locale::ZhCn) => format!("第 {row} 行（{id}）：{sentence}"),
    }
}

/// Every code in the table, for the test that checks the code base against it.
pub fn codes() -> impl Iterator<Item = &'static str> {
    TEXTS.iter().map(|(c, ..)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_appears_once_with_both_sentences() {
        let mut seen = std::collections::HashSet::new();
        for (code, en, zh) in TEXTS {
            assert!(seen.insert(*code), "{code} twice");
            assert!(!en.is_empty() && !zh.is_empty(), "{code}");
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{code}: {zh}");
        }
    }

    #[test]
    fn a_refusal_names_its_value_and_its_row() {
        assert_eq!(
            refusal(Locale::En, "cycle_closed", Some("Q4")),
            "Q4: This cycle is closed and can no longer change."
        );
        assert_eq!(refusal(Locale::ZhCn, "cycle_closed", None), "此周期已结束，无法再更改。");
        assert_eq!(row_refusal(Locale::ZhCn, 3, "E1", "unknown_manager"), "第 3 行（E1）：没有人员使用此上级编号。");
        assert_eq!(refusal(Locale::En, "no_such_code", None), OTHER.0);
    }

    /// `(code, "invalid" | "conflict", file)` for every `invalid("code"` and `conflict("code"`
    /// (`Error::…`, `RowProblem::…`, with up to two arguments before the code) under `dir`.
    fn built_codes(dir: &std::path::Path, out: &mut Vec<(String, &'static str, String)>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                built_codes(&path, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
            for kind in ["invalid", "conflict"] {
                let call = format!("{kind}(");
                for (i, _) in code.match_indices(&call) {
                    if code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &code[i + call.len()..];
                    let Some(quote) = rest.find('"') else { continue };
                    let before = &rest[..quote];
                    if before.matches(',').count() > 2 || before.contains(['(', ')', '{', '}', ';']) {
                        continue;
                    }
                    let literal: String = rest[quote + 1..].chars().take_while(|c| *c != '"').collect();
                    if !literal.is_empty() && literal.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
                        out.push((literal, kind, path.display().to_string()));
                    }
                }
            }
        }
    }

    /// Every code the use cases (and the pages) build has both sentences, and one kind wherever
    /// it is built: a page never falls back to a sentence that says nothing.
    #[test]
    fn every_code_built_in_app_and_web_is_translated_and_of_one_kind() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut built = Vec::new();
        for layer in ["app", "web", "api"] {
            built_codes(&src.join(layer), &mut built);
        }
        let codes: std::collections::BTreeSet<&str> = built.iter().map(|(c, ..)| c.as_str()).collect();
        assert!(codes.len() > 50, "the scan found only {codes:?}");
        let mut broken = Vec::new();
        for (code, _, file) in built.iter().filter(|(_, _, f)| !f.contains("/src/api/")) {
            for locale in [Locale::En, Locale::ZhCn] {
                if error_text(locale, code).is_none() {
                    broken.push(format!("{code} ({file}) has no {} sentence in i18n/errors.rs", locale.as_str()));
                }
            }
        }
        for code in &codes {
            let kinds: std::collections::BTreeSet<&str> =
                built.iter().filter(|(c, ..)| c == code).map(|(_, k, _)| *k).collect();
            if kinds.len() > 1 {
                broken.push(format!("{code} is built both as invalid and as conflict"));
            }
        }
        broken.dedup();
        assert!(broken.is_empty(), "{}", broken.join("\n"));
    }
}
