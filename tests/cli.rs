//! The `candor` binary itself: subcommands, exit codes, serving and stopping on SIGTERM.
use std::process::{Command, Stdio};
use std::time::Duration;

fn candor(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_candor"));
    cmd.current_dir(dir).env_remove("CANDOR_DATABASE_URL").env_remove("CANDOR_SMTP_URL").env("CANDOR_LOG", "info");
    cmd
}

#[test]
fn bad_configuration_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--database-url", "mysql://root:hunter2@db/candor", "migrate"],
        vec!["--public-url", "not a url", "migrate"],
        vec!["--smtp-url", "ftp://mail", "migrate"],
    ] {
        let out = candor(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!err.contains("hunter2"), "a password leaked: {err}");
    }
    let out = candor(dir.path()).args(["api-key", "create", "--name", "x", "--scope", "root"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = candor(dir.path()).args(["api-key", "create", "--name", " ", "--scope", "admin"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an empty name is bad usage");
}

#[test]
fn a_runtime_failure_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = candor(dir.path())
        .args(["--database-url", "sqlite:///nonexistent-dir/x/candor.db", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn defaults_create_the_database_and_serve_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let out = candor(dir.path()).args(["api-key", "create", "--name", "ci", "--scope", "admin"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.trim().lines().last().unwrap().to_string();
    assert!(key.starts_with("cnd_") && key.len() > 50, "{key}");
    assert!(dir.path().join("candor.db").exists(), "sqlite://candor.db is created in the working directory");

    // Port 0: the server binds a free port itself and logs it, so nothing can take it first.
    let mut child = candor(dir.path())
        .env("CANDOR_LISTEN", "127.0.0.1:0")
        .env("CANDOR_PUBLIC_URL", "http://127.0.0.1:0")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (port, rx) = crate::common::listening_port(&mut child);
    let mut logs = Vec::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let res = c.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let res = c
            .post(format!("{base}/api/v1/people"))
            .bearer_auth(&key)
            .json(&serde_json::json!({"people":[{"id":"E1","name":"A","email":"a@example.com"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
    });
    crate::common::process::sigterm(&child);
    crate::common::process::exits_cleanly(&mut child);
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
        logs.push(line);
    }
    let all = logs.join("\n");
    assert!(!all.contains(&key) && !all.contains("a@example.com"), "a secret or an address reached the log");
}

#[test]
fn login_link_bootstraps_an_admin() {
    let dir = tempfile::tempdir().unwrap();
    let out = candor(dir.path()).args(["login-link", "nobody@corp.example"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "an unknown address without --admin");
    let out = candor(dir.path()).args(["login-link", "Boss@Corp.example", "--admin"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let link = String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap().to_string();
    assert!(
        link.starts_with("http://127.0.0.1:8080/login/") && link.len() == "http://127.0.0.1:8080/login/".len() + 43,
        "{link}"
    );
    let out = candor(dir.path()).args(["login-link", "not an email"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "bad usage");
}

/// Runs `candor migrate` with these settings; its exit code and stderr.
fn migrate_with(dir: &std::path::Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = candor(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.arg("migrate").output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Every setting that ends up in a header, a page or a link is checked before anything starts:
/// exit 2 and one line naming the setting (a password never shown).
#[test]
fn every_setting_is_checked_at_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("logo.txt"), b"hello, not an image").unwrap();
    let long = "N".repeat(201);
    let refused: &[(&str, &str, &str)] = &[
        ("CANDOR_ORG_NAME", "Northwind\r\nBcc: everyone@example.com", "CANDOR_ORG_NAME"),
        ("CANDOR_ORG_NAME", "Northwind\nTrading", "CANDOR_ORG_NAME"),
        ("CANDOR_ORG_NAME", "Acme \u{202E}gnidarT", "CANDOR_ORG_NAME"),
        ("CANDOR_ORG_NAME", "Acme\u{200B}", "CANDOR_ORG_NAME"),
        ("CANDOR_ORG_NAME", "   ", "CANDOR_ORG_NAME"),
        ("CANDOR_ORG_NAME", &long, "CANDOR_ORG_NAME"),
        ("CANDOR_MAIL_FROM", "Candor \u{202E} <no-reply@example.com>", "CANDOR_MAIL_FROM"),
        ("CANDOR_PUBLIC_URL", "ftp://surveys.example.com", "CANDOR_PUBLIC_URL"),
        ("CANDOR_PUBLIC_URL", "https://admin:hunter2@surveys.example.com", "CANDOR_PUBLIC_URL"),
        ("CANDOR_PUBLIC_URL", "https://surveys.example.com/?utm=1", "CANDOR_PUBLIC_URL"),
        ("CANDOR_PUBLIC_URL", "https://surveys.example.com/#top", "CANDOR_PUBLIC_URL"),
        ("CANDOR_PUBLIC_URL", "https://", "CANDOR_PUBLIC_URL"),
        ("CANDOR_SMTP_URL", "smtp://user:hunter2@mail.example.com:99999", "CANDOR_SMTP_URL"),
        ("CANDOR_DATABASE_URL", "postgres://candor:hunter2@db.example.com:notaport/candor", "CANDOR_DATABASE_URL"),
        ("CANDOR_DATABASE_URL", "sqlite://candor.db?cache=bogus", "CANDOR_DATABASE_URL"),
        ("CANDOR_ORG_LOGO", "missing.png", "CANDOR_ORG_LOGO"),
        ("CANDOR_ORG_LOGO", "logo.txt", "CANDOR_ORG_LOGO"),
        ("CANDOR_LISTEN", "localhost", "CANDOR_LISTEN"),
        ("CANDOR_METRICS_LISTEN", "9090", "CANDOR_METRICS_LISTEN"),
    ];
    for (name, value, named) in refused {
        let (code, err) = migrate_with(dir.path(), &[(name, value)]);
        assert_eq!(code, Some(2), "{name}={value:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}={value:?}: one line: {err}");
        assert!(err.contains(named), "{name}={value:?}: the line names the setting: {err}");
        assert!(!err.contains("hunter2"), "a password leaked: {err}");
        assert!(!err.contains('\u{202E}'), "the line itself is safe to print: {err}");
    }
    assert!(!dir.path().join("candor.db").exists(), "nothing started");
    let (code, err) = migrate_with(dir.path(), &[("CANDOR_ORG_NAME", "  北风贸易 Northwind (Asia) Ltd.  ")]);
    assert_eq!(code, Some(0), "a real name in any script: {err}");
}

/// With `CANDOR_PUBLIC_URL` unset, links name the address the server is on.
#[test]
fn links_name_the_address_bound_without_a_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let out = candor(dir.path())
        .env_remove("CANDOR_PUBLIC_URL")
        .env("CANDOR_LISTEN", "127.0.0.1:18555")
        .args(["login-link", "boss@corp.example", "--admin"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let link = String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap().to_string();
    assert!(link.starts_with("http://127.0.0.1:18555/login/"), "the configured address: {link}");

    // Serving on a port it picks itself: the demo's sign-in link names that port.
    let mut child = candor(dir.path())
        .env_remove("CANDOR_PUBLIC_URL")
        .env("CANDOR_LISTEN", "127.0.0.1:0")
        .env("CANDOR_DATABASE_URL", "sqlite://demo.db")
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (port, _log) = crate::common::listening_port(&mut child);
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let link = loop {
        let mut line = String::new();
        let n = std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        assert!(n > 0, "the demo printed no link");
        if line.contains("/login/") {
            break line.trim().to_string();
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(link.starts_with(&format!("http://127.0.0.1:{port}/login/")), "the bound port {port}: {link}");
}

/// Several instances starting at once on a fresh SQLite database migrate it once between them.
#[test]
fn concurrent_migrations_on_a_fresh_sqlite_file_all_succeed() {
    let mut failures = Vec::new();
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let runs: Vec<_> = (0..2)
            .map(|_| {
                candor(dir.path())
                    // The key is given: this is about the database, not about creating a key file.
                    .env("CANDOR_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
                    .arg("migrate")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for run in runs {
            let out = run.wait_with_output().unwrap();
            if !out.status.success() {
                failures.push(format!("round {round}: {}", String::from_utf8_lossy(&out.stderr).trim()));
            }
        }
        let out = candor(dir.path())
            .env("CANDOR_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
            .arg("migrate")
            .output()
            .unwrap();
        assert!(out.status.success(), "the database is whole after round {round}");
    }
    println!("20 concurrent migrations in 10 rounds: {} failed", failures.len());
    assert!(failures.is_empty(), "{failures:#?}");
}
