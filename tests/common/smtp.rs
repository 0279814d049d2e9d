//! A real SMTP server on loopback (aiosmtpd, tests/support/smtp_sink.py) and readers for what
//! it received.
use serde::Deserialize;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    #[serde(default)]
    pub rcpt_tos: Vec<String>,
    pub subject: String,
    pub headers: HashMap<String, String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub raw: String,
}

impl Mail {
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }

    /// The first link in the plain-text body that starts with `{base}{prefix}`.
    pub fn link(&self, base: &str, prefix: &str) -> String {
        let start = format!("{base}{prefix}");
        self.text()
            .split_whitespace()
            .find(|w| w.starts_with(&start))
            .unwrap_or_else(|| panic!("no {start} link in: {}", self.text()))
            .to_string()
    }
}

fn python() -> String {
    std::env::var("CANDOR_TEST_PYTHON").unwrap_or_else(|_| {
        if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3".into() } else { "python3".into() }
    })
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py")
}

pub struct SmtpSink {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        SmtpSink::dropping(0)
    }

    /// A server that aborts the connection during the first `n` messages.
    pub fn dropping(n: usize) -> SmtpSink {
        SmtpSink::spawn(n, false)
    }

    /// A server that is down (it hangs up on every connection) until `resume`.
    pub fn reserved() -> SmtpSink {
        SmtpSink::spawn(0, true)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The sink binds port 0 itself and reports the port: no probe-bind race.
    fn spawn(drop_first: usize, down: bool) -> SmtpSink {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("inbox");
        let mut cmd = Command::new(python());
        cmd.arg(script()).args(["--drop-first", &drop_first.to_string(), "--dir"]).arg(&dir);
        if down {
            cmd.arg("--down");
        }
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("start the SMTP sink (needs Python with aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("SMTP sink did not start: {line:?}"));
        SmtpSink { child: Some(child), port, dir, _tmp: tmp }
    }

    /// Brings a sink started with [`SmtpSink::reserved`] up.
    pub fn resume(&mut self) {
        let pid = self.child.as_ref().expect("running").id();
        let ok = Command::new("kill").args(["-USR1", &pid.to_string()]).status().is_ok_and(|s| s.success());
        assert!(ok, "could not signal the SMTP sink");
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        files.sort();
        files.iter().map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()).collect()
    }

    /// Waits until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Mail> {
        super::eventually(secs, || async {
            let m = self.messages();
            (m.len() >= n).then_some(m)
        })
        .await
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Decodes an `.eml` file with the same Python email parser.
pub fn decode_eml(path: &Path) -> Mail {
    let out = Command::new(python()).arg(script()).arg("--decode").arg(path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every `.eml` file in `dir` (the mail directory of an app without SMTP), oldest first,
/// decoded in one run of the same Python parser.
pub fn decode_dir(dir: &Path) -> Vec<Mail> {
    let out = Command::new(python()).arg(script()).arg("--decode-dir").arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

impl Mail {
    /// Whether this message went to `address`.
    pub fn is_to(&self, address: &str) -> bool {
        let to = self.headers.get("To").map(String::as_str).unwrap_or("");
        self.rcpt_tos.iter().any(|r| r.eq_ignore_ascii_case(address))
            || to.to_lowercase().contains(&format!("<{}>", address.to_lowercase()))
            || to.eq_ignore_ascii_case(address)
    }

    /// Every link in the plain-text body that starts with `{base}{prefix}`, in order.
    pub fn links(&self, base: &str, prefix: &str) -> Vec<String> {
        let start = format!("{base}{prefix}");
        self.text().split_whitespace().filter(|w| w.starts_with(&start)).map(str::to_string).collect()
    }
}
