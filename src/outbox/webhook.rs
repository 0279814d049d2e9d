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
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// Give up on a receiver that failed this many times (with backoff capped at five minutes,
/// about an hour and a half of trying).
pub const MAX_ATTEMPTS: i64 = 25;

pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    crate::domain::token::hex(&mac.finalize().into_bytes())
}

pub fn signature_header(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Candor/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

pub async fn deliver(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    event: &str,
    delivery: i64,
    body: &str,
) -> Result<(), SendError> {
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
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"key").unwrap();
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
