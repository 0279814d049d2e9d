//! Signed webhook deliveries.
//!
//! Each POST carries the event as its JSON body and these headers:
//! - `Candor-Event: cycle.closed`
//! - `Candor-Delivery: <id>` — the same id on every retry of one delivery, for deduplication;
//! - `Candor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//!
//! A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in
//! constant time, and rejects timestamps too far from its clock.
use super::SendError;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::time::Duration;

/// Give up on a receiver that failed this many times (with backoff capped at five minutes,
/// about an hour and a half of trying).
pub const MAX_ATTEMPTS: i64 = 25;

pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    crate::domain::token::hex(&mac.finalize().into_bytes())
}

pub fn signature_header(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// A receiver gets this long to answer; a slow one is retried later, and delays nothing else.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Resolves names to public addresses only (unless private receivers are allowed), so a name
/// that points at — or later re-points to — an internal address is never connected to.
struct PublicOnly {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (host, allow_private) = (name.as_str().to_string(), self.allow_private);
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || crate::domain::net::is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

pub fn client(allow_private: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(std::sync::Arc::new(PublicOnly { allow_private }))
        .user_agent(concat!("Candor/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

pub async fn deliver(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    secret: &str,
    event: &str,
    delivery: i64,
    body: &str,
) -> Result<(), SendError> {
    let url = crate::domain::net::webhook_url(url, allow_private)
        .map_err(|e| SendError::Permanent(format!("webhook: {e}")))?;
    let timestamp = crate::domain::time::now();
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .header("candor-event", event)
        .header("candor-delivery", delivery.to_string())
        .header("candor-signature", signature_header(secret, timestamp, body))
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| SendError::Transient(format!("webhook: {}", e.without_url())))?;
    let status = res.status();
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(SendError::Transient(format!("webhook answered {status}")))
    } else {
        Err(SendError::Permanent(format!("webhook answered {status}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_hmac() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") from RFC 4231-style vectors.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"key").unwrap();
        mac.update(b"The quick brown fox jumps over the lazy dog");
        assert_eq!(
            crate::domain::token::hex(&mac.finalize().into_bytes()),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        let h = signature_header("s3cret", 1_700_000_000, r#"{"event":"cycle.closed","cycle":"Q4"}"#);
        assert!(h.starts_with("t=1700000000,v1=") && h.len() == "t=1700000000,v1=".len() + 64, "{h}");
        assert_eq!(sign("s3cret", 1, "x"), sign("s3cret", 1, "x"));
        assert_ne!(sign("s3cret", 1, "x"), sign("s3cret", 2, "x"));
    }
}
