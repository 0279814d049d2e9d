//! Each kind's text body word for word, as people have received it, and an HTML body beside it.
use super::*;
use crate::domain::loop_event::Event;

const URL: &str = "https://candor.example/login";

#[test]
fn a_sign_in_link() {
    let r = login("Li Na", Locale::En, URL, Some("Acme")).unwrap();
    assert_eq!(r.subject, "Sign in to Candor");
    let expected = format!(
        "Li Na,\n\nSign in to Candor\n\n{URL}\n\nSign-in links work once, for 15 minutes. Ask for a new one.\n\n— Acme\n"
    );
    assert_eq!(r.text, expected);
    let r = login("李娜", Locale::ZhCn, URL, None).unwrap();
    assert_eq!(
        r.text,
        format!("李娜，\n\n登录 Candor\n\n{URL}\n\n登录链接只能使用一次，15 分钟内有效。请重新获取。\n")
    );
    assert!(r.html.contains("<html lang=\"zh-CN\">") && r.html.contains(URL), "{}", r.html);
}

#[test]
fn results_are_ready() {
    let report = "https://candor.example/dashboard/people/E1?cycle=Q4&x=1";
    let r = results("Li Na", "Q4 2026", Locale::En, (URL, report), None).unwrap();
    assert_eq!(r.subject, "Your results for Q4 2026 are ready");
    let expected = format!(
        "Hello Li Na,\n\nThe results of Q4 2026 are ready: your scores by indicator and what colleagues and customers \
         wrote, shown only where enough people answered.\n\nSign in to read your report:\n{URL}\n\nYour report, once \
         signed in:\n{report}\n"
    );
    assert_eq!(r.text, expected);
    assert!(r.html.contains("cycle=Q4&#38;x=1"), "escaped in HTML: {}", r.html);
}

#[test]
fn choose_your_reviewers() {
    let later = "https://candor.example/me";
    let vars = [("name", "Li Na"), ("cycle", "Q4"), ("min", "3"), ("max", "5"), ("later", later)];
    let r = nomination(Locale::En, &vars, URL, Some("Acme")).unwrap();
    assert_eq!(r.subject, "Choose who reviews you in Q4");
    let expected = format!(
        "Hello Li Na,\n\nFor Q4, please pick 3 to 5 colleagues who know your work well. Your manager approves the \
         list, then each of them is asked for an anonymous peer review.\n\nSign in to choose (this link works once, \
         for 15 minutes):\n{URL}\n\nLater, open {later} and sign in with your work email.\n\n— Acme\n"
    );
    assert_eq!(r.text, expected);
}

#[test]
fn a_notice_of_the_review_loop() {
    let page = "https://candor.example/me";
    let vars = [("name", "Li Na"), ("cycle", "Q4"), ("subject", "Wang Wei"), ("author", ""), ("url", page)];
    let words = crate::i18n::notice_text(Locale::ZhCn, Event::NominationSubmitted);
    let r = notice(words, &vars, Locale::ZhCn, None).unwrap();
    assert_eq!(r.subject, "Wang Wei已选好Q4的评价人，等待您批准");
    let expected = format!(
        "Li Na，您好：\n\nWang Wei已选好在Q4中评价自己的同事。请检查名单，必要时修改，然后批准：\
         每位同事随后会收到匿名同事评价邀请。\n\n请登录批准：\n{page}\n"
    );
    assert_eq!(r.text, expected);
    assert!(r.html.contains("请登录批准") && r.html.contains(page));
}

#[test]
fn an_address_was_changed() {
    let r = address_changed("{org}", Locale::En, Some("Acme")).unwrap();
    assert_eq!(r.subject, "The email address we have for you was changed");
    assert!(r.text.starts_with("Hello {org},\n\nThe email address Acme uses for you"), "{}", r.text);
    assert!(r.text.ends_with("\n\nIf you did not ask for this change, tell your HR team.\n\n— Acme\n"), "{}", r.text);
    assert!(!r.html.contains("href"), "no link in it");
}
