//! The admin's lists instead of ids (issue 28): everyone asked for an anonymous review is listed
//! by name the same way whether they answered, declined or not, and reissued or revoked from
//! that list with answers that look alike; the CSV preview marks every row it refuses, in the
//! reader's language, and stores nothing.
use crate::common;

use common::smtp::SmtpSink;
use common::web::{admin_session, get, multipart, post};
use common::{Backend, TestApp, count, seeded};
use serde_json::json;

/// The part of the cycle's page that lists the anonymous reviews.
fn anonymous_section(html: &str) -> String {
    let start = html.find(r#"aria-labelledby="anon-h""#).unwrap_or_else(|| panic!("no anonymous list: {html}"));
    let end = start + html[start..].find("</section>").expect("the section ends");
    html[start..end].to_string()
}

/// A line's form on the raters page: reissue or revoke Li Na's peer review by `person`.
fn line<'a>(csrf: &'a str, person: &'a str, action: &'a str, confirm: bool) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf", csrf),
        ("lang", "en"),
        ("survey", "peer360"),
        ("subject", "E1001"),
        ("person", person),
        ("action", action),
    ];
    if confirm {
        form.push(("confirm", "on"));
    }
    form
}

/// Li Na's 360 with three peers: Sam answers, Chen declines, Eve does nothing.
async fn three_peers(backend: Backend, sink: &SmtpSink) -> (TestApp, Vec<common::smtp::Mail>) {
    let app = seeded(backend, Some(sink)).await;
    app.add_people(json!([
        {"id":"E1003","name":"Chen Jie","email":"chen@example.com","manager":"E1000","team":"East"},
        {"id":"E1005","name":"Eve Stone","email":"eve@example.com","manager":"E1000","team":"East"}]))
        .await;
    app.seed_peer_survey().await;
    let (s, b) = app
        .post("/api/v1/cycles/2026-Q4/launch", json!({"survey":"peer360","subjects":["E1001"],"peers":"team"}))
        .await;
    assert_eq!(s, 201, "{b}");
    // Li Na (self), Wang Fang (manager), and three peers.
    let mails = sink.wait_for(5, 20).await;
    (app, mails)
}

fn link_to(mails: &[common::smtp::Mail], app: &TestApp, to: &str) -> String {
    mails.iter().find(|m| m.rcpt_tos == [to]).unwrap_or_else(|| panic!("no mail to {to}")).link(&app.addr, "/s/")
}

async fn anonymous_raters_are_listed_alike_answered_or_not(backend: Backend) {
    let sink = SmtpSink::start();
    let (app, mails) = three_peers(backend, &sink).await;
    let (cookie, csrf) = admin_session(&app, "wang.fang@example.com").await;
    let page = |lang: &'static str| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            let (s, html) = get(app, Some(cookie.as_str()), &format!("/admin/cycles/2026-Q4/raters?lang={lang}")).await;
            assert_eq!(s, 200);
            html
        }
    };
    let before = (anonymous_section(&page("en").await), anonymous_section(&page("zh-CN").await));
    for (name, id) in [("Sam Carter", "E1002"), ("Chen Jie", "E1003"), ("Eve Stone", "E1005")] {
        assert!(before.0.contains(&format!(">{name}<")), "{name} listed by name: {}", before.0);
        assert!(before.0.contains(&format!(r#"name="person" value="{id}""#)), "{name}'s line names the invitation");
    }
    assert!(before.1.contains("匿名"), "the list in Chinese: {}", before.1);

    // Sam answers and Chen declines: nothing in the list moves.
    let sam = link_to(&mails, &app, "sam.carter@example.com");
    assert_eq!(app.client.post(&sam).form(&[("t1", "4")]).send().await.unwrap().status().as_u16(), 303);
    let chen = link_to(&mails, &app, "chen@example.com");
    let declined = app.client.post(format!("{chen}/decline")).form(&[("lang", "en")]).send().await.unwrap();
    assert_eq!(declined.status().as_u16(), 303);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE declined = TRUE").await, 1);
    let after = (anonymous_section(&page("en").await), anonymous_section(&page("zh-CN").await));
    assert_eq!(before, after, "the list says nothing of who answered or declined");

    // Reissued from the list: the same answer for the one who answered, the one who declined
    // and the one who did neither — and the same page after it.
    let mut seen = Vec::new();
    for person in ["E1002", "E1003", "E1005"] {
        let path = "/admin/cycles/2026-Q4/invitation";
        let (s, _) = post(&app, Some(&cookie), path, &line(&csrf, person, "reissue", false)).await;
        assert_eq!(s, 422, "{person}: not without the box ticked");
        let (s, to) = post(&app, Some(&cookie), path, &line(&csrf, person, "reissue", true)).await;
        let (_, html) = get(&app, Some(cookie.as_str()), &to).await;
        seen.push((s, to, html));
    }
    assert_eq!(seen[0].0, 303);
    assert!(seen[0].1.ends_with("done=reissued_if_open"), "{}", seen[0].1);
    assert!(seen[0].2.contains("If this review is still open, a fresh link"), "{}", seen[0].2);
    assert!(seen.iter().all(|s| s == &seen[0]), "status, address and page alike for all three");
    // Only the rater learns it: Eve gets a fresh link, which works.
    let eve = common::eventually(20, || async {
        let mut to_eve: Vec<_> = sink.messages().into_iter().filter(|m| m.rcpt_tos == ["eve@example.com"]).collect();
        (to_eve.len() == 2).then(|| to_eve.pop().unwrap())
    })
    .await;
    assert_eq!(common::web::page(&app, &eve.link(&app.addr, "/s/")).await.0, 200);
    // Nor does the mail server's log or the metrics: Sam, who answered, and Chen, who declined,
    // are emailed a fresh link too (it opens "answers received"), and no email is skipped.
    for to in ["sam.carter@example.com", "chen@example.com"] {
        common::eventually(20, || async {
            (sink.messages().iter().filter(|m| m.rcpt_tos == [to]).count() == 2).then_some(())
        })
        .await;
    }
    common::outbox_drained(&app).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'skipped'").await, 0);
    let (_, audit) = app.get("/api/v1/audit?cycle=2026-Q4").await;
    let details: Vec<&str> = audit["entries"]
        .as_array()
        .expect("audit entries")
        .iter()
        .filter(|e| e["action"] == "reissue_invitations")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(details, ["reissued 1"; 3], "{audit}");

    // Revoked from the list, confirmed: alike too; each leaves the list, the answer stays.
    let mut seen = Vec::new();
    for person in ["E1002", "E1003", "E1005"] {
        let path = "/admin/cycles/2026-Q4/invitation";
        let (s, _) = post(&app, Some(&cookie), path, &line(&csrf, person, "revoke", false)).await;
        assert_eq!(s, 422, "{person}: revoking asks first");
        seen.push(post(&app, Some(&cookie), path, &line(&csrf, person, "revoke", true)).await);
    }
    assert_eq!(seen[0].0, 303);
    assert!(seen.iter().all(|s| s == &seen[0]), "{seen:?}");
    let html = page("en").await;
    for name in ["Sam Carter", "Chen Jie", "Eve Stone"] {
        assert!(!anonymous_section(&html).contains(name), "{name} revoked, off the list");
    }
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(p["surveys"][0]["completed"], 1, "Sam's answer stays: {p}");
    assert_eq!(common::web::page(&app, &eve.link(&app.addr, "/s/")).await.0, 410);
}

/// The people on the standard organisation: Wang Fang (E1000), Li Na, Sam Carter.
const REFUSED_PEOPLE: &str = "id,name,email,manager,team,locale\n\
    E7,Ann,not-an-email,,East,\n\
    E8,Bo,bo@corp.example,E404,East,\n\
    E9,Cy,li.na@example.com,,East,\n\
    E10,Di,di@corp.example,E1000,East,zh-CN\n\
    E8,Bo again,bo2@corp.example,,East,\n\
    E11,Flo,di@corp.example,,East,\n";

/// The problem cell of each row of the preview, in order.
fn problems(html: &str) -> Vec<String> {
    let start = html.find(r#"aria-labelledby="preview-h""#).unwrap_or_else(|| panic!("no preview: {html}"));
    let preview = &html[start..start + html[start..].find("</section>").expect("the section ends")];
    preview
        .split("<tr><th scope=\"row\">")
        .skip(1)
        .map(|row| {
            let cell = row.split("<td class=\"error\">").nth(1).expect("a problem cell");
            cell.split("</td>").next().unwrap().to_string()
        })
        .collect()
}

async fn the_csv_preview_marks_every_refused_row(backend: Backend) {
    let app = seeded(backend, None).await;
    let (cookie, csrf) = admin_session(&app, "wang.fang@example.com").await;
    let upload = |kind: &'static str, lang: &'static str, csv: &'static str| {
        let (ctype, body) = multipart(&[("csrf", &csrf), ("lang", lang), ("kind", kind)], csv);
        let req = app.client.post(app.url("/admin/import")).header("cookie", &cookie).header("content-type", ctype);
        req.body(body).send()
    };
    let res = upload("people", "en", REFUSED_PEOPLE).await.unwrap();
    assert_eq!(res.status().as_u16(), 422, "a row wrong in itself");
    let html = res.text().await.unwrap();
    let marked = problems(&html);
    assert_eq!(marked.len(), 6, "{html}");
    let expected = [
        "email &#34;not-an-email&#34;: This is not a valid email address.",
        "manager &#34;E404&#34;: No person has this manager id.",
        "email &#34;li.na@example.com&#34;: This email address belongs to another person.",
        "",
        "id &#34;E8&#34;: This id is listed twice.",
        "email &#34;di@corp.example&#34;: This email address is listed twice.",
    ];
    for (row, (got, want)) in marked.iter().zip(expected).enumerate() {
        assert_eq!(got, want, "row {}", row + 1);
    }
    assert!(html.contains("5 rows are refused"), "{html}");
    assert!(!html.contains("/admin/import/confirm"), "nothing to confirm");

    // In Chinese, every reason in Chinese; customers with unknown owners, each marked.
    let html = upload("people", "zh-CN", REFUSED_PEOPLE).await.unwrap().text().await.unwrap();
    let marked = problems(&html);
    assert!(
        marked[1].ends_with("没有人员使用此上级编号。") && marked[2].ends_with("此邮箱地址已属于其他人员。"),
        "{marked:?}"
    );
    assert!(marked[5].ends_with("此邮箱地址出现了两次。"), "{marked:?}");
    assert!(html.contains("5 行被拒绝"), "{html}");
    let customers = "id,name,email,owner\nC7,Ann Ltd,a@ann.example,E404\nC8,Bo Ltd,b@bo.example,E1001\nC9,Cy Ltd,c@cy.example,E405\n";
    let res = upload("customers", "en", customers).await.unwrap();
    assert_eq!(res.status().as_u16(), 409, "rows that do not fit what is stored");
    let marked = problems(&res.text().await.unwrap());
    assert_eq!(
        marked,
        [
            "owner &#34;E404&#34;: No person has this owner id.",
            "",
            "owner &#34;E405&#34;: No person has this owner id."
        ]
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people WHERE id IN ('E7','E8','E9','E10','E11')").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM customers WHERE id IN ('C7','C8','C9')").await, 0);
    // The API still answers with the first problem, as before.
    let (s, b) = app
        .post(
            "/api/v1/customers",
            json!({"customers":[{"id":"C7","name":"A","email":"a@ann.example","owner":"E404"},
                                                      {"id":"C9","name":"C","email":"c@cy.example","owner":"E405"}]}),
        )
        .await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("unknown_owner")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().starts_with("row 0 "), "{b}");
}

on_both_databases!(anonymous_raters_are_listed_alike_answered_or_not, the_csv_preview_marks_every_refused_row);
