//! Anonymity against whoever holds a copy of the database: the SQLite file and its WAL, a
//! `pg_dump`, PostgreSQL's system columns (`xmin`, `ctid`). While a cycle is open no answer is
//! readable; after close nothing pairs a rater with an answer.
use crate::anonymity::{RATERS, answer, invite, org};
use crate::common::{self, Backend, TestApp};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Eight raters answer in a shuffled order, three of them at once; each comment is unique, so
/// the test knows who wrote what, and an attacker must not.
async fn realistic_run(app: &TestApp) -> BTreeMap<String, String> {
    org(app).await;
    let rows: Vec<(String, String)> =
        (1..=RATERS).map(|i| (format!("R{i}"), format!("note-{i}-{}", rand::random::<u32>()))).collect();
    let plan: Vec<(&str, &str, &str)> = rows.iter().map(|(r, _)| ("p1", "S", r.as_str())).collect();
    let links = invite(app, &plan).await;
    let mut order: Vec<usize> = (0..RATERS).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, (rand::random::<u32>() as usize) % (i + 1));
    }
    let (together, alone) = order.split_at(3);
    let go = |i: usize| answer(app, &links[i], 2 + (i % 4) as u8, &rows[i].1);
    // Three in flight at once.
    let (a, b, c) = tokio::join!(go(together[0]), go(together[1]), go(together[2]));
    assert_eq!((a, b, c), (303, 303, 303));
    for &i in alone {
        assert_eq!(go(i).await, 303);
    }
    rows.into_iter().collect()
}

pub(crate) fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The commits of a copied SQLite WAL file: for each, the bytes of the pages it wrote.
fn wal_commits(wal: &[u8]) -> Vec<Vec<u8>> {
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    if wal.len() < 32 {
        return Vec::new();
    }
    let page_size = be(&wal[8..12]) as usize;
    let (salt1, salt2) = (&wal[16..20], &wal[20..24]);
    let (mut commits, mut current) = (Vec::new(), Vec::new());
    let mut at = 32;
    while at + 24 + page_size <= wal.len() {
        let header = &wal[at..at + 24];
        if &header[8..12] != salt1 || &header[12..16] != salt2 {
            break;
        }
        current.extend_from_slice(&wal[at + 24..at + 24 + page_size]);
        if be(&header[4..8]) != 0 {
            commits.push(std::mem::take(&mut current));
        }
        at += 24 + page_size;
    }
    commits
}

pub(crate) fn copy_sqlite(app: &TestApp) -> (Vec<u8>, Vec<u8>) {
    let dir = app.db.dir.path();
    let db = std::fs::read(dir.join("candor.db")).unwrap();
    let wal = std::fs::read(dir.join("candor.db-wal")).unwrap_or_default();
    (db, wal)
}

async fn sqlite_files_pair_no_rater_with_an_answer(backend: Backend) {
    // No background checkpoint until the close: the WAL keeps every commit for inspection.
    let app = common::spawn_app_with(backend, |c| c.sqlite_checkpoint_ms = 3_600_000).await;
    let notes = realistic_run(&app).await;
    // While open: not one answer anywhere in the database file or its WAL.
    let (db, wal) = copy_sqlite(&app);
    let commits = wal_commits(&wal);
    assert!(commits.len() > RATERS, "the WAL still holds every submission ({} commits)", commits.len());
    for note in notes.values() {
        assert!(!contains(&db, note) && !contains(&wal, note), "{note} readable while open");
    }
    let (s, _) = app.post("/api/v1/cycles/Q4/close", json!({})).await;
    assert_eq!(s, 200);
    // After close: whatever commits the WAL still holds (the close truncates it), each holds
    // all of the answers or none, so no replay of commits can tell one rater's answer from
    // another's; the database file holds them all, with nothing sealed left behind.
    let (db, wal) = copy_sqlite(&app);
    let commits = wal_commits(&wal);
    let with_answers: Vec<usize> =
        commits.iter().map(|pages| notes.values().filter(|n| contains(pages, n)).count()).filter(|&k| k > 0).collect();
    assert!(with_answers.iter().all(|&k| k == RATERS), "a commit holds only some answers: {with_answers:?}");
    for note in notes.values() {
        assert!(contains(&db, note) || contains(&wal, note), "{note} was released");
    }
    assert_unlinked_rows(&app).await;
}

/// What any SQL reader sees: no invitation, one day for all, ids unrelated to the raters.
async fn assert_unlinked_rows(app: &TestApp) {
    let rows: Vec<(Option<i64>, String)> =
        sqlx::query_as("SELECT invitation_id, submitted_on FROM responses WHERE relation = 'peer'")
            .fetch_all(&app.state.db().pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), RATERS);
    assert!(rows.iter().all(|(inv, _)| inv.is_none()), "no invitation on an anonymous response");
    assert_eq!(rows.iter().map(|(_, d)| d).collect::<BTreeSet<_>>().len(), 1, "one day for all");
    let sealed = common::count(app, "SELECT COUNT(*) FROM sealed_responses").await;
    assert_eq!(sealed, 0, "sealed records are gone after close");
}

pub(crate) fn pg_dump(url: &str) -> String {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin/pg_dump")).find(|p| p.exists()))
        .unwrap_or_else(|| "pg_dump".into());
    let out = std::process::Command::new(bin).arg(url).output().expect("run pg_dump");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn postgres_columns_pair_no_rater_with_an_answer(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let notes = realistic_run(&app).await;
    let dump = pg_dump(&app.db.url);
    assert!(dump.contains("sealed_responses"), "the dump is complete");
    for note in notes.values() {
        assert!(!dump.contains(note.as_str()), "{note} readable in a dump while open");
    }
    let (s, _) = app.post("/api/v1/cycles/Q4/close", json!({})).await;
    assert_eq!(s, 200);
    let pool = &app.state.db().pool;
    // Ground truth: which rater wrote which response, from the unique notes.
    let responses: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT r.xmin::text, r.ctid::text, r.id, a.text FROM responses r JOIN answers a ON a.response_id = r.id \
         WHERE r.relation = 'peer' AND a.question_id = 'note'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(responses.len(), RATERS);
    let writer = |text: &str| notes.iter().find(|(_, n)| n.as_str() == text).map(|(r, _)| r.clone()).unwrap();
    let invitations: Vec<(String, String)> = sqlx::query_as(
        "SELECT xmin::text, respondent_key FROM invitations WHERE relation = 'peer' ORDER BY xmin::text::bigint",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    // xmin: one transaction wrote every response, and it wrote no invitation.
    let stamps: BTreeSet<&str> = responses.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(stamps.len(), 1, "one stamp for all responses: xmin pairs nothing");
    assert!(invitations.iter().all(|(x, _)| !stamps.contains(x.as_str())));
    // Row order: the physical order of responses is the order of their random ids.
    let ctid = |c: &str| -> (u64, u64) {
        let (a, b) = c.trim_matches(|c| c == '(' || c == ')').split_once(',').unwrap();
        (a.parse().unwrap(), b.parse().unwrap())
    };
    let mut by_ctid = responses.clone();
    by_ctid.sort_by_key(|r| ctid(&r.1));
    let mut by_id = responses.clone();
    by_id.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(by_ctid, by_id, "insertion order is the random ids' order");
    // Pairing the i-th response by row order with the i-th completion: no better than chance.
    let completion: Vec<String> = invitations.iter().map(|(_, k)| k.trim_start_matches("p:").to_string()).collect();
    let hits = by_ctid.iter().zip(&completion).filter(|(r, who)| writer(&r.3) == **who).count();
    eprintln!("row-order pairing: {hits} of {RATERS} (chance expects 1)");
    assert!(hits < RATERS, "row order pairs every rater with their answer");
    assert_unlinked_rows(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_pair_no_rater_with_an_answer_sqlite() {
    sqlite_files_pair_no_rater_with_an_answer(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_columns_pair_no_rater_with_an_answer_postgres() {
    if common::postgres_available() {
        postgres_columns_pair_no_rater_with_an_answer(Backend::Postgres).await
    }
}
