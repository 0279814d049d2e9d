//! Where emails go: an SMTP server, or `.eml` files when none is configured.

/// Checks an SMTP URL the way the transport will read it.
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).map(|_| ()).map_err(|_| {
        format!("CANDOR_SMTP_URL {:?} is not a valid smtp:// or smtps:// URL", crate::config::redact_url(url))
    })
}
