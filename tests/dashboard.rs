//! Sign-in, the scope of every dashboard and admin route, CSRF, and escaping.
use crate::common;

use common::smtp::SmtpSink;
use common::web::{csrf_of, get, login_link, make_admin, session};
use common::{Backend, TestApp, count, spawn_app_with};
use serde_json::json;

/// Admin Ada; manager Mia with reports Rob and Rae (Rae manages Ray); Cal is Mia's peer;
/// Oz is in another team.
async fn org(app: &TestApp, sink: Option<&SmtpSink>) {
    app.add_people(json!([
                {"id":"ADA","name":"Ada","email":"ada@corp.example"},
                {"id":"BOSS","name":"Boss","email":"boss@corp.example","team":"East"},
                {"id":"MIA","name":"Mia","email":"mia@corp.example","manager":"BOSS","team":"East"},
                {"id":"CAL","name":"Cal","email":"cal@corp.example","manager":"BOSS","team":"East"},
                {"id":"ROB","name":"Rob","email":"rob@corp.example","manager":"MIA","team":"East"},
                {"id":"RAE","name":"<script>alert(1)</script>","email":"rae@corp.example","manager":"MIA","team":"East"},
                {"id":"RAY","name":"Ray","email":"ray@corp.example","manager":"RAE","team":"East"},
                {"id":"OZ","name":"Oz","email":"oz@corp.example","team":"West"}])).await;
    make_admin(app, "ada@corp.example").await;
    app.post(
        "/api/v1/surveys",
        json!({"id":"p","kind":"peer","title":"360","questions":[
        {"id":"t1","text":"Teamwork","type":"scale","min":1,"max":5,"indicator":"teamwork"},
        {"id":"n","text":"Note","type":"text"}]}),
    )
    .await;
    app.seed_cycle("2026-Q4").await;
    let b = common::mail::launch_by_email(app, sink, "2026-Q4", json!({"survey":"p","subjects":"all","peers":"none"}))
        .await;
    // Mia answers about Rae (as her manager), with a comment that tries to inject markup.
    let link = b["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["subject"] == "RAE" && l["respondent"]["person"] == "MIA")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app.client.post(&link).form(&[("t1", "4"), ("n", "<img src=x onerror=alert(1)>")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
}

async fn sign_in_by_emailed_link(backend: Backend) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, |c| c.smtp_url = Some(url)).await;
    org(&app, Some(&sink)).await;
    let launched = sink.messages().len();
    let (s, page) = get(&app, None, "/login").await;
    assert_eq!(s, 200);
    assert!(page.contains(r#"type="email""#));
    let known = app.client.post(app.url("/login")).form(&[("email", "MIA@corp.example")]).send().await.unwrap();
    let unknown = app.client.post(app.url("/login")).form(&[("email", "nobody@corp.example")]).send().await.unwrap();
    assert_eq!((known.status().as_u16(), unknown.status().as_u16()), (200, 200));
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap(), "no account enumeration");
    let mail = sink.wait_for(launched + 1, 15).await.remove(launched);
    assert_eq!(mail.rcpt_tos, ["mia@corp.example"]);
    let link = mail.link(&app.addr, "/login/");
    // Both requests queued what they queue before answering: once the outbox is drained,
    // everything they caused has been sent.
    common::outbox_drained(&app).await;
    assert_eq!(sink.messages().len(), launched + 1, "nothing sent for an unknown address");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'login'").await, 1, "one sign-in email queued");

    for _ in 0..2 {
        let res = app.client.get(&link).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "GET shows a button and consumes nothing");
    }
    let res = app.client.post(&link).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/me", "everyone lands on their home");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    let (s, html) = get(&app, Some(&session), "/dashboard").await;
    assert_eq!(s, 200);
    assert!(html.contains("Rob"));
    // Used once: the same link no longer signs in.
    assert_eq!(app.client.post(&link).send().await.unwrap().status().as_u16(), 410);
    // An expired link neither shows the button nor signs in.
    let expired = login_link(&app, "rob@corp.example", false).await;
    let token = expired.rsplit('/').next().unwrap();
    sqlx::query("UPDATE links SET expires_at = 0 WHERE token_hash = $1")
        .bind(candor::domain::token::sha256_hex(token))
        .execute(&app.state.db().pool)
        .await
        .unwrap();
    assert_eq!(app.client.get(&expired).send().await.unwrap().status().as_u16(), 410);
    assert_eq!(app.client.post(&expired).send().await.unwrap().status().as_u16(), 410);
    // Signing out needs the form's CSRF token, then ends the session.
    let res = app
        .client
        .post(app.url("/logout"))
        .header("cookie", &session)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let csrf = csrf_of(&html);
    let res = app
        .client
        .post(app.url("/logout"))
        .header("cookie", &session)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(get(&app, Some(&session), "/dashboard").await, (303, "/login".to_string()));
}

async fn every_route_checks_who_may_see_what(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    org(&app, None).await;
    let person = |id: &str| format!("/dashboard/people/{id}?cycle=2026-Q4");
    // Signed out: every page sends you to sign in.
    for path in ["/dashboard", "/admin", &person("ROB")] {
        assert_eq!(get(&app, None, path).await, (303, "/login".to_string()), "{path}");
    }
    let ada = session(&app, "ada@corp.example").await;
    let mia = session(&app, "mia@corp.example").await;
    let cal = session(&app, "cal@corp.example").await;
    let oz = session(&app, "oz@corp.example").await;
    let everyone = ["BOSS", "MIA", "CAL", "ROB", "RAE", "RAY", "OZ"];
    let expect: [(&str, &str, &[&str], &str); 4] = [
        ("admin", &ada, &everyone, ""),
        ("manager", &mia, &["ROB", "RAE", "RAY"], "MIA"),
        ("colleague", &cal, &[], "CAL"),
        ("other team", &oz, &[], "OZ"),
    ];
    for (who, cookie, visible, own) in expect {
        let (s, html) = get(&app, Some(cookie), "/dashboard?cycle=2026-Q4").await;
        assert_eq!(s, 200, "{who}");
        for id in everyone {
            let listed = html.contains(&format!("/dashboard/people/{id}?"));
            assert_eq!(listed, visible.contains(&id), "{who} listing {id}");
            let (s, html) = get(&app, Some(cookie), &person(id)).await;
            if id == own {
                // One's own report of an open cycle: there, saying when, with nothing in it.
                assert_eq!(s, 200, "{who} opening their own");
                assert!(html.contains("id=\"pending-report\"") && !html.contains("(n = "), "{html}");
                continue;
            }
            assert_eq!(s, if visible.contains(&id) { 200 } else { 404 }, "{who} opening {id}");
        }
        let (s, _) = get(&app, Some(cookie), "/admin").await;
        assert_eq!(s, if who == "admin" { 200 } else { 404 }, "{who} on /admin");
    }
    assert_eq!(get(&app, Some(&ada), "/dashboard/people/NOPE?cycle=2026-Q4").await.0, 404);

    // Admin actions refuse a missing or forged CSRF token, and change nothing.
    for csrf in ["", "forged"] {
        let res = app
            .client
            .post(app.url("/admin/cycles/2026-Q4/close"))
            .header("cookie", &ada)
            .form(&[("csrf", csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403);
    }
    let (_, progress) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(progress["status"], "open");
    // A manager cannot run admin actions even with their own valid token.
    let (_, html) = get(&app, Some(&mia), "/dashboard").await;
    let res = app
        .client
        .post(app.url("/admin/cycles/2026-Q4/close"))
        .header("cookie", &mia)
        .form(&[("csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);

    // Every admin action: signed out → sign in; a non-admin with a valid token → 404; nothing changes.
    let actions = [
        "/admin/cycles",
        "/admin/cycles/2026-Q4/launch",
        "/admin/cycles/2026-Q4/invite-customers",
        "/admin/cycles/2026-Q4/remind",
        "/admin/cycles/2026-Q4/close",
        "/admin/import/confirm",
        "/admin/keys",
        "/admin/webhooks",
    ];
    let mia_csrf = csrf_of(&html);
    let keys_before = count(&app, "SELECT COUNT(*) FROM api_keys").await;
    for path in actions {
        let form = [
            ("csrf", mia_csrf.as_str()),
            ("id", "X"),
            ("title", "X"),
            ("opens", "2026-01-01"),
            ("closes", "2099-01-01"),
            ("survey", "p"),
            ("kind", "people"),
            ("csv", "id,name,email\nZ1,Zed,zed@corp.example\n"),
            ("name", "k"),
            ("scope", "admin"),
            ("url", "http://127.0.0.1:9/x"),
            ("secret", "0123456789abcdef0123"),
        ];
        let res = app.client.post(app.url(path)).form(&form).send().await.unwrap();
        assert_eq!(
            (res.status().as_u16(), res.headers().get("location").map(|l| l.to_str().unwrap().to_string())),
            (303, Some("/login".into())),
            "signed out {path}"
        );
        let res = app.client.post(app.url(path)).header("cookie", &mia).form(&form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 404, "manager {path}");
    }
    let res = app
        .client
        .post(app.url("/admin/import"))
        .header("cookie", &mia)
        .form(&[("csrf", mia_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "manager upload");
    let keys_after = count(&app, "SELECT COUNT(*) FROM api_keys").await;
    let zed = count(&app, "SELECT COUNT(*) FROM people WHERE id = 'Z1'").await;
    assert_eq!((keys_after, zed), (keys_before, 0), "no admin action took effect");

    // Once closed, everyone also sees their own report.
    let (_, html) = get(&app, Some(&ada), "/admin").await;
    let res = app
        .client
        .post(app.url("/admin/cycles/2026-Q4/close"))
        .header("cookie", &ada)
        .form(&[("csrf", csrf_of(&html).as_str()), ("confirm", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(get(&app, Some(&cal), &person("CAL")).await.0, 200);
    assert_eq!(get(&app, Some(&cal), &person("MIA")).await.0, 404);
}

async fn names_and_comments_are_escaped(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    org(&app, None).await;
    app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    let ada = session(&app, "ada@corp.example").await;
    for path in ["/dashboard?cycle=2026-Q4", "/dashboard/people/RAE?cycle=2026-Q4"] {
        let (s, html) = get(&app, Some(&ada), path).await;
        assert_eq!(s, 200);
        assert!(!html.contains("<script>alert(1)</script>") && !html.contains("<img src=x"), "{path}: raw markup");
        assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{path}: name shown escaped");
    }
    let (_, html) = get(&app, Some(&ada), "/dashboard/people/RAE?cycle=2026-Q4").await;
    assert!(html.contains("&#60;img src=x onerror=alert(1)&#62;"), "the manager's comment is shown, escaped");
}

on_both_databases!(sign_in_by_emailed_link, every_route_checks_who_may_see_what, names_and_comments_are_escaped);
