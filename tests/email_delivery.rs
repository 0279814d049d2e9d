//! Invitation emails on their way: no SMTP server (files), one that is down, one that drops
//! the connection or refuses for good, a customer who unsubscribed; and no emailed token is
//! stored in clear.
use crate::common;
use crate::respondent::invite;

use common::smtp::{SmtpSink, decode_eml};
use common::web::{page, post};
use common::{Backend, count, customer_invite, seeded};
use serde_json::json;

async fn without_smtp_emails_are_written_as_eml_files(backend: Backend) {
    let app = seeded(backend, None).await;
    invite(&app, vec![customer_invite("C1")], "email").await;
    let file = common::eventually(15, || async {
        std::fs::read_dir(&app.mail_dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "eml"))
    })
    .await;
    let mail = decode_eml(&file);
    assert_eq!(mail.headers.get("To").map(String::as_str), Some("Acme <buyer@acme.example>"));
    let link = mail.link(&app.addr, "/s/");
    assert_eq!(page(&app, &link).await.0, 200);
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(p["surveys"][0]["emailed"], 1);
}

async fn emails_wait_for_an_smtp_server_that_is_down(backend: Backend) {
    let mut sink = SmtpSink::reserved();
    let app = seeded(backend, Some(&sink)).await;
    invite(&app, vec![customer_invite("C1"), customer_invite("C2")], "email").await;
    common::eventually(15, || async {
        (count(&app, "SELECT COUNT(*) FROM outbox WHERE attempts >= 2 AND status = 'pending'").await == 2).then_some(())
    })
    .await;
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!((p["surveys"][0]["emailed"].as_i64(), p["surveys"][0]["failed"].as_i64()), (Some(0), Some(0)));

    sink.resume();
    let mails = sink.wait_for(2, 20).await;
    common::outbox_drained(&app).await;
    assert_eq!(sink.messages().len(), 2, "each email exactly once");
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    to.sort();
    assert_eq!(to, vec!["buyer@acme.example", "cai@dragon.example"]);
    // Links minted for the failed attempts were dropped: one survey and one unsubscribe link each.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM links").await, 4);
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(p["surveys"][0]["emailed"], 2);
    for m in &mails {
        assert_eq!(page(&app, &m.link(&app.addr, "/s/")).await.0, 200);
    }
}

async fn connections_dropped_mid_send_are_retried(backend: Backend) {
    let sink = SmtpSink::dropping(2);
    let app = seeded(backend, Some(&sink)).await;
    invite(&app, vec![customer_invite("C1"), customer_invite("C2")], "email").await;
    let mails = sink.wait_for(2, 20).await;
    common::outbox_drained(&app).await;
    assert_eq!(sink.messages().len(), 2, "each accepted once");
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    to.sort();
    assert_eq!(to, ["buyer@acme.example", "cai@dragon.example"]);
    let retried = count(&app, "SELECT MAX(attempts) FROM outbox").await;
    assert!(retried >= 2, "the dropped sends were tried again");
    for m in &mails {
        assert_eq!(page(&app, &m.link(&app.addr, "/s/")).await.0, 200, "the delivered link is live");
    }
}

async fn a_permanent_refusal_is_marked_failed(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    let (s, _) = app
        .post(
            "/api/v1/customers",
            json!({"customers":[{"id":"C9","name":"Gone","email":"bounce@gone.example","owner":"E1001"}]}),
        )
        .await;
    assert_eq!(s, 200);
    invite(&app, vec![customer_invite("C9"), customer_invite("C1")], "email").await;
    sink.wait_for(1, 15).await;
    // The sink has the message before the worker records it sent: wait for both outcomes.
    let p = common::eventually(15, || async {
        let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
        (p["surveys"][0]["failed"] == 1 && p["surveys"][0]["emailed"] == 1).then_some(p)
    })
    .await;
    assert_eq!((p["surveys"][0]["emailed"].as_i64(), p["surveys"][0]["failed"].as_i64()), (Some(1), Some(1)));
    assert_eq!(
        count(&app, "SELECT MAX(attempts) FROM outbox WHERE status = 'failed'").await,
        1,
        "no retry after a 5xx"
    );
    common::outbox_drained(&app).await;
    assert_eq!(sink.messages().len(), 1);
}

async fn an_unsubscribed_customer_gets_no_more_email(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    invite(&app, vec![customer_invite("C1")], "email").await;
    let mail = sink.wait_for(1, 15).await.remove(0);
    let unsubscribe = mail.link(&app.addr, "/unsubscribe/");
    for _ in 0..2 {
        let (s, html) = page(&app, &unsubscribe).await;
        assert_eq!(s, 200);
        assert!(html.contains("<form method=\"post\""));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM suppressions").await, 0, "GET does not unsubscribe");
    let (s, _) = post(&app, None, &unsubscribe, &[("List-Unsubscribe", "One-Click")]).await;
    assert_eq!(s, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM suppressions").await, 1);

    app.seed_cycle("2027-Q1").await;
    let (s, _) = app.post("/api/v1/cycles/2027-Q1/invitations", json!({"invitations":[customer_invite("C1")]})).await;
    assert_eq!(s, 201);
    common::outbox_drained(&app).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'skipped'").await, 1, "skipped, not sent");
    assert_eq!(sink.messages().len(), 1, "no email after unsubscribing");
}

async fn the_database_holds_no_emailed_token(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    invite(&app, vec![customer_invite("C1"), customer_invite("C2")], "email").await;
    let mails = sink.wait_for(2, 15).await;
    let mut tokens = Vec::new();
    for m in &mails {
        for prefix in ["/s/", "/unsubscribe/"] {
            let link = m.link(&app.addr, prefix);
            tokens.push(link.rsplit('/').next().unwrap().to_string());
        }
    }
    assert_eq!(tokens.len(), 4);
    let dump = match backend {
        Backend::Postgres => {
            let mut all = String::new();
            for table in [
                "people",
                "customers",
                "surveys",
                "questions",
                "cycles",
                "invitations",
                "links",
                "outbox",
                "responses",
                "answers",
                "api_keys",
                "sessions",
                "suppressions",
            ] {
                let rows: Vec<String> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT row_to_json(t)::text FROM {table} t")))
                        .fetch_all(&app.state.db().pool)
                        .await
                        .unwrap();
                all.push_str(&rows.join("\n"));
            }
            assert!(all.contains("buyer@acme.example"), "the dump has data");
            all
        }
        Backend::Sqlite => {
            let (db, _) = app.stop().await;
            let mut bytes = std::fs::read(db.dir.path().join("candor.db")).unwrap();
            bytes.extend(std::fs::read(db.dir.path().join("candor.db-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    for t in &tokens {
        assert!(!dump.contains(t.as_str()), "token stored in clear");
    }
}

on_both_databases!(
    without_smtp_emails_are_written_as_eml_files,
    emails_wait_for_an_smtp_server_that_is_down,
    a_permanent_refusal_is_marked_failed,
    connections_dropped_mid_send_are_retried,
    an_unsubscribed_customer_gets_no_more_email,
    the_database_holds_no_emailed_token,
);
