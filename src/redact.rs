//! Keeping secrets out of logs: tokens in link paths, passwords in URLs.

/// Replaces every run of 43 or more base64url characters (the shape of a token) with
/// `{token}`, wherever it stands in the path (`//s/T`, `/S/T`, `/s/./T` and `/%73/T` included),
/// so no token reaches a log line.
pub fn redact_path(path: &str) -> String {
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(path.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 43 {
            out.push_str("{token}");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in path.chars() {
        if is_token_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// `scheme://host:port/path` without user, password or query.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("");
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{}{}{}", u.scheme(), host, port, u.path())
        }
        Err(_) => "<unparsable url>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_reach_the_log() {
        let t = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
        assert_eq!(redact_path(&format!("/s/{t}")), "/s/{token}");
        assert_eq!(redact_path(&format!("/s/{t}/thanks")), "/s/{token}/thanks");
        assert_eq!(redact_path(&format!("/login/{t}")), "/login/{token}");
        assert_eq!(redact_path("/api/v1/people"), "/api/v1/people");
        for odd in [format!("//s/{t}"), format!("/s//{t}"), format!("/S/{t}"), format!("/%73/{t}"), format!("/s/./{t}")]
        {
            let r = redact_path(&odd);
            assert!(!r.contains(t) && r.contains("{token}"), "{odd} → {r}");
        }
    }

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(redact_url("postgres://u:secret@db:5432/candor?sslmode=require"), "postgres://db:5432/candor");
    }
}
