//! Settings checked before anything starts (CONTRACT §1: exit 2 with a one-line reason): what
//! ends up in an email header, on a page or in a link must be safe to put there, and every URL
//! must be one the server can use. A bad setting found later would fail every email or page
//! that uses it, while the server looked healthy. The line never shows a password, and never
//! echoes a character that would garble the terminal it is printed to.
use crate::config::Config;
use crate::domain::id::{is_invisible_format, parse_label};
use crate::redact::redact_url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// The organisation's name is a sender name, a subject and a page heading.
const ORG_NAME_MAX: usize = 100;

/// Every setting, in the order an operator reads them; the first problem, in one line.
pub fn check(c: &Config) -> Result<(), String> {
    database_url(&c.database_url)?;
    listen(&c.listen, "CANDOR_LISTEN")?;
    if let Some(metrics) = &c.metrics_listen {
        listen(metrics, "CANDOR_METRICS_LISTEN")?;
    }
    if let Some(url) = &c.public_url {
        public_url(url)?;
    }
    if let Some(url) = &c.smtp_url {
        crate::outbox::mailer::check_smtp_url(url)?;
    }
    mail_from(&c.mail_from)?;
    if let Some(name) = &c.org_name {
        parse_label(name, "CANDOR_ORG_NAME", ORG_NAME_MAX)
            .map_err(|e| format!("{e}: it names the sender of every email and heads every survey page"))?;
    }
    c.org_logo()?;
    c.trusted_proxy_nets()?;
    c.calendar()?;
    Ok(())
}

fn database_url(url: &str) -> Result<(), String> {
    let backend = crate::db::Backend::from_url(url)?;
    let parsed = match backend {
        crate::db::Backend::Sqlite => sqlx::sqlite::SqliteConnectOptions::from_str(url).map(|_| ()),
        crate::db::Backend::Postgres => sqlx::postgres::PgConnectOptions::from_str(url).map(|_| ()),
    };
    parsed.map_err(|e| {
        let reason = without_password(url, &e.to_string());
        format!("CANDOR_DATABASE_URL {:?} cannot be used: {reason}", redact_url(url))
    })
}

/// An error message about `url` with its password, if any, cut out.
fn without_password(url: &str, message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    match url::Url::parse(url).ok().and_then(|u| u.password().map(str::to_string)) {
        Some(pw) if !pw.is_empty() => line.replace(&pw, "…"),
        _ => line.to_string(),
    }
}

/// `host:port` or `[v6]:port`, as a socket is bound (`setting` names which).
fn listen(raw: &str, setting: &str) -> Result<(), String> {
    let port = raw.rsplit_once(':').filter(|(host, _)| !host.is_empty()).map(|(_, p)| p.parse::<u16>());
    match port {
        Some(Ok(_)) => Ok(()),
        _ => Err(format!("{setting} \"{}\" is not an address and port such as 127.0.0.1:8080", printable(raw))),
    }
}

/// The base of every link in an email: an http(s) origin, perhaps with a path, nothing that a
/// link appended to it would break (a query or fragment) or leak (a password).
fn public_url(raw: &str) -> Result<(), String> {
    let bad = |why: &str| format!("CANDOR_PUBLIC_URL {:?} {why}", redact_url(raw));
    let url = url::Url::parse(raw).map_err(|_| bad("is not an http(s) URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad("is not an http(s) URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or a fragment (links are appended to it)"));
    }
    Ok(())
}

fn mail_from(raw: &str) -> Result<(), String> {
    let bad = || format!("CANDOR_MAIL_FROM \"{}\" is not a valid sender", printable(raw));
    if raw.chars().any(|c| c.is_control() || is_invisible_format(c)) {
        return Err(format!("{} (control or invisible formatting characters)", bad()));
    }
    raw.parse::<lettre::message::Mailbox>().map(|_| ()).map_err(|_| bad())
}

/// A value as the reason line may show it: control and formatting characters escaped.
fn printable(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_control() || is_invisible_format(c) { c.escape_unicode().to_string() } else { c.to_string() })
        .collect()
}

/// The base of links when `CANDOR_PUBLIC_URL` is unset: the address the server listens on
/// (`bound`, once bound), else the one it is configured to listen on. A wildcard address
/// (`0.0.0.0`, `::`) is no place to send anyone: its loopback stands in, with a warning.
pub fn links_base(c: &Config, bound: Option<SocketAddr>) -> String {
    if let Some(url) = &c.public_url {
        let mut url_with_port = url.trim_end_matches('/').to_string();
        if let (Some(bound), Ok(mut parsed)) = (bound, url::Url::parse(url))
            && parsed.port() == Some(0)
            && parsed.set_port(Some(bound.port())).is_ok()
        {
            url_with_port = parsed.as_str().trim_end_matches('/').to_string();
        }
        return url_with_port;
    }
    let addr = bound.or_else(|| c.listen.parse().ok());
    match addr {
        Some(mut addr) => {
            if addr.ip().is_unspecified() {
                let loopback =
                    if addr.is_ipv4() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { IpAddr::V6(Ipv6Addr::LOCALHOST) };
                tracing::warn!(%addr, "CANDOR_PUBLIC_URL is unset and the server listens on every address: links name {loopback}; set CANDOR_PUBLIC_URL");
                addr.set_ip(loopback);
            }
            format!("http://{addr}")
        }
        // A host name as configured (`localhost:8080`).
        None => format!("http://{}", c.listen),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(env: &[&str]) -> Config {
        use clap::Parser;
        crate::config::Cli::parse_from([&["candor"], env].concat()).config
    }

    #[test]
    fn links_follow_the_public_url_or_the_address() {
        let bound: SocketAddr = "127.0.0.1:18555".parse().unwrap();
        assert_eq!(links_base(&config(&[]), Some(bound)), "http://127.0.0.1:18555");
        assert_eq!(links_base(&config(&["--listen", "[::1]:9000"]), None), "http://[::1]:9000");
        assert_eq!(links_base(&config(&["--listen", "0.0.0.0:80"]), None), "http://127.0.0.1:80");
        let public = config(&["--public-url", "https://surveys.example.com/"]);
        assert_eq!(links_base(&public, Some(bound)), "https://surveys.example.com");
        let zero = config(&["--public-url", "http://127.0.0.1:0"]);
        assert_eq!(links_base(&zero, Some(bound)), "http://127.0.0.1:18555");
    }

    #[test]
    fn reasons_show_what_is_wrong_and_no_more() {
        assert!(printable("a\r\nb\u{202E}").contains("\\u{d}\\u{a}b\\u{202e}"));
        let msg = without_password("postgres://u:s3cret@h/db", "password s3cret refused\nmore");
        assert_eq!(msg, "password … refused");
        for ok in ["127.0.0.1:8080", "[::]:80", "localhost:8080"] {
            assert!(listen(ok, "CANDOR_LISTEN").is_ok(), "{ok}");
        }
        for bad in [":8080", "8080", "host:http"] {
            assert!(listen(bad, "CANDOR_LISTEN").is_err(), "{bad}");
        }
    }
}
