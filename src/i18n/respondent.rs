//! Every word a respondent or manager reads, in English and Simplified Chinese.
//! `{subject}`, `{cycle}`, `{name}`, `{n}` and `{until}` are filled in by the caller before escaping.
use crate::domain::{Locale, Relation};

pub struct Text {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub submit: &'static str,
    pub required: &'static str,
    pub optional: &'static str,
    pub errors_summary: &'static str,
    pub err_required: &'static str,
    pub err_not_a_choice: &'static str,
    pub err_too_long: &'static str,
    pub err_invalid_characters: &'static str,
    pub err_duplicated: &'static str,
    pub nps_low: &'static str,
    pub nps_high: &'static str,
    pub cant_judge: &'static str,
    pub pick_any: &'static str,
    pub scale_low: &'static str,
    pub scale_high: &'static str,
    pub text_hint: &'static str,
    pub intro_customer: &'static str,
    pub intro_self: &'static str,
    pub intro_manager: &'static str,
    pub intro_peer: &'static str,
    pub intro_direct_report: &'static str,
    pub note_anonymous: &'static str,
    pub note_attributed: &'static str,
    pub note_self: &'static str,
    pub note_customer: &'static str,
    pub note_customer_anonymous: &'static str,
    /// Who asks, when no organisation name is configured.
    pub org_fallback: &'static str,
    /// `{org}`: above a survey, and in every email.
    pub asked_by: &'static str,
    pub thanks_title: &'static str,
    pub thanks_body: &'static str,
    pub done_title: &'static str,
    pub done_body: &'static str,
    pub closed_title: &'static str,
    pub closed_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub too_many_title: &'static str,
    pub too_many_body: &'static str,
    pub busy_title: &'static str,
    pub full_title: &'static str,
    pub full_body: &'static str,
    pub busy_body: &'static str,
    pub error_title: &'static str,
    pub too_large_title: &'static str,
    pub too_large_body: &'static str,
    pub error_body: &'static str,
    pub back_home: &'static str,
    pub unsub_title: &'static str,
    pub unsub_body: &'static str,
    pub unsub_button: &'static str,
    pub unsub_done_title: &'static str,
    pub unsub_done_body: &'static str,
    pub email_subject_customer: &'static str,
    pub email_subject_review: &'static str,
    pub email_subject_self: &'static str,
    pub email_subject_many: &'static str,
    pub email_reminder: &'static str,
    pub email_greeting: &'static str,
    pub email_button: &'static str,
    pub email_personal: &'static str,
    pub email_unsubscribe: &'static str,
}

pub static EN: Text = Text {
    lang: "en",
    other_lang: "zh-CN",
    other_lang_name: "中文",
    submit: "Send my answers",
    required: "required",
    optional: "optional",
    errors_summary: "Some answers need another look: see the notes below.",
    err_required: "Please answer this question.",
    err_not_a_choice: "Please pick one of the choices.",
    err_too_long: "Please keep this under 5,000 characters.",
    err_invalid_characters: "This answer contains characters we cannot store.",
    err_duplicated: "This answer was sent twice; please choose once.",
    nps_low: "0 = not at all likely",
    nps_high: "10 = extremely likely",
    cant_judge: "Can't judge",
    pick_any: "Pick all that apply.",
    scale_low: "lowest",
    scale_high: "highest",
    text_hint: "Up to 5,000 characters.",
    intro_customer: "{subject} would value your feedback on working together. It takes about a minute.",
    intro_self: "This is your self-assessment for {cycle}.",
    intro_manager: "Please evaluate {subject}, who reports to you, for {cycle}.",
    intro_peer: "Please review your colleague {subject} for {cycle}.",
    intro_direct_report: "Please review {subject}, your manager, for {cycle}.",
    note_anonymous: "Your answers are combined with at least {n} others and shown only after the cycle closes; \
                     no one, including administrators, can see who wrote what.",
    note_attributed: "Your answers are shared, with your name, with {subject}'s managers and HR.",
    note_self: "Your answers are shared, with your name, with your managers and HR.",
    note_customer: "Your answers go to {org}'s sales management, with your name, so they can follow up.",
    note_customer_anonymous: "Your answers are combined with those of at least {n} other customers before anyone \
                     sees them; your name is not kept with them.",
    org_fallback: "the company",
    asked_by: "Sent for {org} by Candor, its survey service.",
    thanks_title: "Thank you",
    thanks_body: "Your answers have been received. You can close this page.",
    done_title: "Already answered",
    done_body: "We have already received the answers for this survey. Thank you!",
    closed_title: "This survey is closed",
    closed_body: "This survey no longer accepts answers. Thank you for your interest.",
    not_found_title: "Link not found",
    not_found_body: "This link is not valid. Please check that you opened the whole link from your email.",
    too_many_title: "Too many attempts",
    too_many_body: "Too many invalid links were tried from your network. Please wait a minute and try again.",
    busy_title: "Please try again",
    full_title: "We cannot save answers right now",
    full_body: "Our server has run out of storage. Your answers were not saved and your link still works: please try again later.",
    busy_body: "We could not save your answers just now. Nothing was lost: please send the form again in a moment.",
    error_title: "Something went wrong on our side",
    too_large_title: "That is more than this form takes",
    too_large_body: "Nothing was saved and your link still works. Please shorten your answers and send the form again.",
    error_body: "This is our fault, not yours, and it has been logged. Nothing you sent was lost: please try again later.",
    back_home: "Back to the start",
    unsub_title: "Unsubscribe",
    unsub_body: "Stop all emails from us to {name}?",
    unsub_button: "Unsubscribe",
    unsub_done_title: "You are unsubscribed",
    unsub_done_body: "We will not email this address again.",
    email_subject_customer: "{subject} would value your feedback — {cycle}",
    email_subject_review: "Your review of {subject} — {cycle}",
    email_subject_self: "Your self-assessment — {cycle}",
    email_subject_many: "Your {count} reviews for {cycle}",
    email_reminder: "Reminder: ",
    email_greeting: "Hello {name},",
    email_button: "Answer the survey",
    email_personal: "This link is personal: please do not forward it. It works until {until}.",
    email_unsubscribe: "Do not want these emails? Unsubscribe:",
};

pub static ZH_CN: Text = Text {
    lang: "zh-CN",
    other_lang: "en",
    other_lang_name: "English",
    submit: "提交我的回答",
    required: "必答",
    optional: "选答",
    errors_summary: "部分回答需要修改，请查看下方提示。",
    err_required: "请回答此问题。",
    err_not_a_choice: "请从选项中选择一项。",
    err_too_long: "请控制在 5,000 字以内。",
    err_invalid_characters: "此回答包含无法保存的字符。",
    err_duplicated: "此问题提交了两次，请只选择一次。",
    nps_low: "0 = 完全不可能",
    nps_high: "10 = 非常可能",
    cant_judge: "无法评价",
    pick_any: "可多选。",
    scale_low: "最低",
    scale_high: "最高",
    text_hint: "最多 5,000 字。",
    intro_customer: "{subject} 希望了解您对双方合作的评价，大约只需一分钟。",
    intro_self: "这是您在{cycle}的自我评估。",
    intro_manager: "请对您的下属 {subject} 进行{cycle}的上级评价。",
    intro_peer: "请对您的同事 {subject} 进行{cycle}的同事评价。",
    intro_direct_report: "请对您的上级 {subject} 进行{cycle}的评价。",
    note_anonymous: "您的回答将与至少 {n} 位其他人的回答合并，并且只在周期结束后显示；任何人（包括管理员）都无法看到谁写了什么。",
    note_attributed: "您的回答将连同您的姓名提供给{subject}的经理和人力资源部门。",
    note_self: "您的回答将连同您的姓名提供给您的经理和人力资源部门。",
    note_customer: "您的回答将连同您的名字提交给{org}的销售管理层，以便跟进。",
    note_customer_anonymous: "您的回答将与至少 {n} 位其他客户的回答合并后才会被查看，且不会保留您的名字。",
    org_fallback: "本公司",
    asked_by: "本邮件由 Candor 代表{org}发送。",
    thanks_title: "谢谢您",
    thanks_body: "我们已收到您的回答，您可以关闭此页面。",
    done_title: "已经回答过了",
    done_body: "我们已收到此问卷的回答，谢谢！",
    closed_title: "此问卷已关闭",
    closed_body: "此问卷已不再接受回答，感谢您的关注。",
    not_found_title: "链接无效",
    not_found_body: "此链接无效，请确认您打开的是邮件中的完整链接。",
    too_many_title: "尝试次数过多",
    too_many_body: "您的网络尝试了过多无效链接，请稍等一分钟后再试。",
    busy_title: "请稍后再试",
    full_title: "暂时无法保存回答",
    full_body: "服务器存储空间不足，您的回答未被保存，链接仍然有效，请稍后再试。",
    busy_body: "刚才未能保存您的回答，但没有丢失任何内容，请稍后再次提交。",
    error_title: "我们这边出了问题",
    too_large_title: "内容超出了表单的容量",
    too_large_body: "未保存任何内容，链接仍然有效。请缩短回答后重新提交。",
    error_body: "这是我们的问题，不是您的，我们已记录下来。您提交的内容没有丢失，请稍后再试。",
    back_home: "返回首页",
    unsub_title: "退订",
    unsub_body: "停止向 {name} 发送我们的所有邮件？",
    unsub_button: "退订",
    unsub_done_title: "您已退订",
    unsub_done_body: "我们将不再向此地址发送邮件。",
    email_subject_customer: "{subject} 希望听到您的反馈 — {cycle}",
    email_subject_review: "请评价 {subject} — {cycle}",
    email_subject_self: "您的自我评估 — {cycle}",
    email_subject_many: "您在{cycle}有 {count} 份评价待完成",
    email_reminder: "提醒：",
    email_greeting: "{name}，您好：",
    email_button: "填写问卷",
    email_personal: "此链接仅供您本人使用，请勿转发。有效期至 {until}。",
    email_unsubscribe: "不想再收到这类邮件？点此退订：",
};

pub fn text(locale: Locale) -> &'static Text {
    match locale {
        Locale::En => &EN,
        Locale::ZhCn => &ZH_CN,
    }
}

impl Text {
    pub fn intro(&self, relation: Relation) -> &'static str {
        match relation {
            Relation::Customer => self.intro_customer,
            Relation::SelfReview => self.intro_self,
            Relation::Manager => self.intro_manager,
            Relation::Peer => self.intro_peer,
            Relation::DirectReport => self.intro_direct_report,
        }
    }

    pub fn email_subject(&self, relation: Relation) -> &'static str {
        match relation {
            Relation::Customer => self.email_subject_customer,
            Relation::SelfReview => self.email_subject_self,
            _ => self.email_subject_review,
        }
    }

    /// Who will see the answers (`{org}`, `{subject}`, `{n}`): the privacy line of a survey page
    /// and an invitation email.
    pub fn note(&self, relation: Relation, anonymous: bool) -> &'static str {
        match relation {
            Relation::Customer if anonymous => self.note_customer_anonymous,
            Relation::Customer => self.note_customer,
            _ if anonymous => self.note_anonymous,
            Relation::SelfReview => self.note_self,
            _ => self.note_attributed,
        }
    }
}

/// Fills `{subject}`, `{cycle}`, `{name}`, `{n}`… in one pass over the template: a value is never
/// read again, so a name that holds `{url}` stays that text instead of becoming a link. A
/// placeholder with no value is left as it is. The result is escaped by the template.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let key = &after[..close];
            vars.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(EN.email_subject_review, &[("subject", "Li Na"), ("cycle", "Q4")]),
            "Your review of Li Na — Q4"
        );
        assert_eq!(fill(ZH_CN.email_subject_review, &[("subject", "李娜"), ("cycle", "Q4")]), "请评价 李娜 — Q4");
    }

    #[test]
    fn a_value_is_never_filled_again() {
        let vars = [("name", "{url}"), ("url", "https://candor.example/s/x")];
        assert_eq!(fill("Hello {name}: {url}", &vars), "Hello {url}: https://candor.example/s/x");
        assert_eq!(fill("{unknown} and {name", &vars), "{unknown} and {name");
        assert_eq!(fill("{n} of {n}", &[("n", "3")]), "3 of 3");
    }
}
