//! Issue 28 (journeys): the admin's lists instead of ids — everyone asked for an anonymous
//! review, reissued or revoked by name without telling who answered — and the CSV preview's
//! count of refused rows. A small block of its own, to move to translation files as it is.
use crate::domain::Locale;

pub struct ListText {
    pub anonymous_title: &'static str,
    pub anonymous_hint: &'static str,
    /// A subject's line: how many were asked (`{n}`), answered or not.
    pub asked: &'static str,
    pub nobody_asked: &'static str,
    pub reissue_if_open: &'static str,
    pub reissued_if_open: &'static str,
    /// `{n}` rows of a CSV file refused.
    pub rows_refused_one: &'static str,
    pub rows_refused: &'static str,
}

const EN: ListText = ListText {
    anonymous_title: "Anonymous reviews: everyone asked",
    anonymous_hint: "Peer, direct-report and anonymous customer reviews list everyone asked in the same way, whether they answered, declined or not: nobody can tell from this page who answered. A fresh link goes only to the address the review was first sent to, and only while the review is still open; an answer already given stays.",
    asked: "{n} asked",
    nobody_asked: "Nobody is asked for an anonymous review in this cycle.",
    reissue_if_open: "Email a fresh link if still open",
    reissued_if_open: "If this review is still open, a fresh link is on its way to the address it was first sent to. An answer already given stays.",
    rows_refused_one: "1 row is refused.",
    rows_refused: "{n} rows are refused.",
};

const ZH: ListText = ListText {
    anonymous_title: "匿名评价：全部受邀人",
    anonymous_hint: "同事、下属和匿名客户评价的受邀人一律以相同方式列出，无论其已作答、已放弃还是尚未作答：从本页无法看出谁已作答。新链接只会发送到评价最初发往的邮箱地址，且仅在评价仍开放时发送；已提交的回答会保留。",
    asked: "已邀请 {n} 人",
    nobody_asked: "本周期没有邀请任何人参加匿名评价。",
    reissue_if_open: "如仍开放，通过邮件发送新链接",
    reissued_if_open: "如果此评价仍开放，新链接正发往其最初的邮箱地址。已提交的回答会保留。",
    rows_refused_one: "1 行被拒绝。",
    rows_refused: "{n} 行被拒绝。",
};

pub fn list_text(locale: Locale) -> &'static ListText {
    match locale {
        Locale::En => &EN,
        Locale::ZhCn => &ZH,
    }
}
