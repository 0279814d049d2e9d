//! Where emails go: an SMTP server over a few long-lived connections (`smtp.rs`), or `.eml` files
//! in the mail directory when no SMTP server is configured.
use crate::config::Config;
use lettre::{AsyncSmtpTransport, Message, Tokio1Executor};
use std::path::PathBuf;

pub enum Mailer {
    Smtp(Box<super::smtp::Smtp>),
    Files(PathBuf),
}

pub use super::SendError;

/// Checks an SMTP URL the way the transport will read it.
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map(|_| ()).map_err(|_| {
        format!("CANDOR_SMTP_URL {:?} is not a valid smtp:// or smtps:// URL", crate::redact::redact_url(url))
    })
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        match &config.smtp_url {
            Some(url) => {
                check_smtp_url(url)?;
                Ok(Mailer::Smtp(Box::new(super::smtp::Smtp::from_url(url, usize::from(config.smtp_connections))?)))
            }
            None => Ok(Mailer::Files(config.mail_dir.clone())),
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(&message).await,
            Mailer::Files(dir) => {
                write_eml(dir, &message.formatted()).await.map_err(|e| SendError::Transient(e.to_string()))
            }
        }
    }
}

/// Written under a temporary name and renamed, so a reader never sees half a message.
async fn write_eml(dir: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let name =
        format!("{}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"), &crate::domain::token::random_id()[..8]);
    let tmp = dir.join(format!(".{name}.tmp"));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, dir.join(format!("{name}.eml"))).await
}

#[cfg(test)]
mod tests {
    use super::check_smtp_url;

    #[test]
    fn plain_starttls_and_tls_urls_are_understood() {
        for ok in [
            "smtp://127.0.0.1:2525",
            "smtp://user:pass@mail.example.com:587?tls=required",
            "smtp://mail.example.com:587?tls=opportunistic",
            "smtps://user:pass@mail.example.com:465",
        ] {
            assert!(check_smtp_url(ok).is_ok(), "{ok}");
        }
        let err = check_smtp_url("http://user:secret@mail.example.com").unwrap_err();
        assert!(!err.contains("secret"), "{err}");
    }
}
