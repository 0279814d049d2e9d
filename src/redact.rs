//! Keeping secrets out of logs: tokens in link paths, passwords in URLs.

/// Replaces the secret part of a link path, so no token ever reaches a log line.
pub fn redact_path(path: &str) -> String {
    for prefix in ["/s/", "/login/", "/unsubscribe/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            return format!("{prefix}{{token}}{tail}");
        }
    }
    path.to_string()
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
    }

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(redact_url("postgres://u:secret@db:5432/candor?sslmode=require"), "postgres://db:5432/candor");
    }
}
