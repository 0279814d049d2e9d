//! Words of sign-in through the identity provider and of the people directory
//! (`/admin/people`), in English and Simplified Chinese.
use crate::domain::Locale;

pub struct IdentityText {
    /// "Sign in with {name}".
    pub sign_in_with: &'static str,
    /// The provider's name when the configuration gives none.
    pub your_organisation: &'static str,
    pub or_by_email: &'static str,
    pub refused_title: &'static str,
    /// `{email}`: the address the provider vouched for.
    pub unknown_body: &'static str,
    pub email_unverified_body: &'static str,
    pub expired_body: &'static str,
    pub mismatch_body: &'static str,
    /// `{name}`: the provider.
    pub declined_body: &'static str,
    pub unverified_body: &'static str,
    pub unreachable_body: &'static str,
    pub links_off_body: &'static str,
}

pub static EN: IdentityText = IdentityText {
    sign_in_with: "Sign in with {name}",
    your_organisation: "your organisation",
    or_by_email: "Or get a sign-in link by email:",
    refused_title: "Sign-in did not work",
    unknown_body: "Your organisation's sign-in confirmed the address {email}, but no one in Candor has it. Ask HR to add you or to correct your address.",
    email_unverified_body: "Your organisation's sign-in did not confirm your email address, so Candor cannot tell who you are. Ask your IT team to confirm it at the identity provider.",
    expired_body: "This sign-in has expired or was used already. Start again.",
    mismatch_body: "This sign-in was not started in this browser, so it was refused. Start again from the sign-in page.",
    declined_body: "The sign-in was cancelled or refused at {name}.",
    unverified_body: "Candor could not verify the answer from {name}. Try again; if it keeps happening, tell your IT team.",
    unreachable_body: "{name} could not be reached. Try again in a moment.",
    links_off_body: "Sign-in links are not sent by email here: sign in with your organisation's account instead.",
};

pub static ZH_CN: IdentityText = IdentityText {
    sign_in_with: "使用{name}登录",
    your_organisation: "贵组织账号",
    or_by_email: "或通过邮件获取登录链接：",
    refused_title: "登录未成功",
    unknown_body: "贵组织的登录已确认地址 {email}，但 Candor 中没有使用此地址的人员。请联系人力资源部门添加您或更正您的地址。",
    email_unverified_body: "贵组织的登录未确认您的邮箱地址，因此 Candor 无法确认您的身份。请联系 IT 部门在身份提供方确认该地址。",
    expired_body: "此次登录已过期或已被使用，请重新开始。",
    mismatch_body: "此次登录并非在本浏览器中发起，已被拒绝。请从登录页面重新开始。",
    declined_body: "在{name}处的登录已取消或被拒绝。",
    unverified_body: "Candor 无法验证来自{name}的应答。请重试；如果问题持续出现，请告知 IT 部门。",
    unreachable_body: "暂时无法连接{name}，请稍后重试。",
    links_off_body: "此处不通过邮件发送登录链接：请使用贵组织账号登录。",
};

pub fn identity_text(locale: Locale) -> &'static IdentityText {
    match locale {
        Locale::En => &EN,
        Locale::ZhCn => &ZH_CN,
    }
}
