//! The review loop's notices by email (`app::notices`): subject line and body of each step, in
//! English and Simplified Chinese. Placeholders: `{name}` (the reader), `{cycle}`, `{subject}`
//! (whom the step is about), `{author}` (who wrote the feedback), `{url}` (the page).
use crate::domain::Locale;
use crate::domain::loop_event::Event;

/// (subject line, body) of the notice of `event` in `locale`.
pub fn notice_text(locale: Locale, event: Event) -> (&'static str, &'static str) {
    match locale {
        Locale::En => en(event),
        Locale::ZhCn => zh(event),
    }
}

fn en(event: Event) -> (&'static str, &'static str) {
    match event {
        Event::FeedbackShared => (
            "{author} shared feedback on your {cycle} results",
            "Hello {name},\n\n{author} shared feedback on your results of {cycle}: strengths, improvements and next steps.\n\nSign in to read it and acknowledge it, with a reply if you like:\n{url}\n",
        ),
        Event::FeedbackAmended => (
            "{author} amended their feedback on your {cycle} results",
            "Hello {name},\n\n{author} amended the feedback they shared on your results of {cycle}. The page marks it as amended.\n\nSign in to read it:\n{url}\n",
        ),
        Event::FeedbackAcknowledged => (
            "{subject} acknowledged your feedback ({cycle})",
            "Hello {name},\n\n{subject} acknowledged the feedback you shared on their results of {cycle}.\n\nSign in to read their reply, if they wrote one:\n{url}\n",
        ),
        Event::NominationSubmitted => (
            "{subject} chose their reviewers for {cycle}: your approval is needed",
            "Hello {name},\n\n{subject} chose the colleagues who should review them in {cycle}. Check the list, change it if needed, and approve it: each colleague is then invited to an anonymous peer review.\n\nSign in to approve:\n{url}\n",
        ),
        Event::NominationApproved => (
            "Your reviewers for {cycle} are approved",
            "Hello {name},\n\nYour list of reviewers for {cycle} was approved, and each of them is now invited to an anonymous peer review. Nobody, your manager included, sees who answered what.\n\nYour home page:\n{url}\n",
        ),
    }
}

fn zh(event: Event) -> (&'static str, &'static str) {
    match event {
        Event::FeedbackShared => (
            "{author}分享了对您{cycle}结果的反馈",
            "{name}，您好：\n\n{author}分享了对您{cycle}结果的反馈，包括优点、待改进之处和下一步计划。\n\n请登录阅读并确认（可附回复）：\n{url}\n",
        ),
        Event::FeedbackAmended => (
            "{author}修改了对您{cycle}结果的反馈",
            "{name}，您好：\n\n{author}修改了已分享的、对您{cycle}结果的反馈，页面上会标明“已修改”。\n\n请登录阅读：\n{url}\n",
        ),
        Event::FeedbackAcknowledged => (
            "{subject}已确认您的反馈（{cycle}）",
            "{name}，您好：\n\n{subject}已确认您对其{cycle}结果分享的反馈。\n\n如有回复，请登录查看：\n{url}\n",
        ),
        Event::NominationSubmitted => (
            "{subject}已选好{cycle}的评价人，等待您批准",
            "{name}，您好：\n\n{subject}已选好在{cycle}中评价自己的同事。请检查名单，必要时修改，然后批准：每位同事随后会收到匿名同事评价邀请。\n\n请登录批准：\n{url}\n",
        ),
        Event::NominationApproved => (
            "您在{cycle}的评价人名单已获批准",
            "{name}，您好：\n\n您在{cycle}的评价人名单已获批准，每位同事都已收到匿名同事评价邀请。任何人（包括您的经理）都看不到谁回答了什么。\n\n您的主页：\n{url}\n",
        ),
    }
}
