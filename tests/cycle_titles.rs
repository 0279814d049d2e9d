//! A cycle's title in each reader's language (`title_i18n`, CONTRACT §9, turn 3): the API keeps
//! it, the invitation email of a Chinese customer says it in Chinese and an English one's in
//! English, and the admin form takes it. Browser walkthrough, December,
//! problem 10 ("…希望听到您的反馈 — December 2026 customer check-in").
use crate::common::smtp::SmtpSink;
use crate::common::web::{admin_session, get, page, post};
use crate::common::{Backend, customer_invite, seeded};
use serde_json::json;

async fn a_cycle_title_reads_in_each_readers_language(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    let cycle = json!({"id":"2026-Q4","title":"Q4 2026","title_i18n":{"zh-CN":"2026 年第四季度"},
        "opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z","min_raters":3});
    assert_eq!(app.post("/api/v1/cycles", cycle).await.0, 200);
    let (_, c) = app.get("/api/v1/cycles/2026-Q4").await;
    assert_eq!(c["title_i18n"], json!({"zh-CN":"2026 年第四季度"}), "{c}");
    let bad = json!({"id":"X","title":"X","title_i18n":{"xx":"?"},"opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z"});
    let (s, b) = app.post("/api/v1/cycles", bad).await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("invalid_cycle")), "{b}");

    // Dragon Trading (C2) reads Chinese, Acme (C1) English.
    crate::common::mail::invite_by_email(
        &app,
        Some(&sink),
        "2026-Q4",
        vec![customer_invite("C1"), customer_invite("C2")],
    )
    .await;
    let to = |address: &str| {
        sink.messages().into_iter().find(|m| m.rcpt_tos == [address]).unwrap_or_else(|| panic!("no email to {address}"))
    };
    let (zh, en) = (to("cai@dragon.example"), to("buyer@acme.example"));
    assert!(zh.subject.contains("2026 年第四季度") && !zh.subject.contains("Q4 2026"), "{}", zh.subject);
    assert!(en.subject.contains("Q4 2026") && !en.subject.contains("第四季度"), "{}", en.subject);
    // The Chinese customer's page shows no English title either.
    let (_, form) = page(&app, &zh.link(&app.addr, "/s/")).await;
    assert!(form.contains("lang=\"zh-CN\"") && !form.contains("Q4 2026"), "{form}");

    // The admin form takes the Chinese title beside the English one.
    let (cookie, csrf) = admin_session(&app, "sam.carter@example.com").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("id", "2027-Q1"),
        ("title", "Q1 2027"),
        ("title_zh", "2027 年第一季度"),
        ("opens", "2027-01-01"),
        ("closes", "2027-03-31"),
        ("min_raters", "3"),
    ];
    assert_eq!(post(&app, Some(&cookie), "/admin/cycles", &form).await.0, 303);
    let (_, c) = app.get("/api/v1/cycles/2027-Q1").await;
    assert_eq!(c["title_i18n"], json!({"zh-CN":"2027 年第一季度"}), "{c}");
    let (_, dashboard) = get(&app, Some(&cookie), "/dashboard?cycle=2027-Q1&lang=zh-CN").await;
    assert!(dashboard.contains(">2027 年第一季度</option>"), "the cycle picker in Chinese: {dashboard}");
}

on_both_databases!(a_cycle_title_reads_in_each_readers_language);
