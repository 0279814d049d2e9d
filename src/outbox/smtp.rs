//! SMTP over a few long-lived connections, each with `TCP_NODELAY`.
//!
//! Why not lettre's pooled transport: it writes a message's body and its closing `.` in two
//! writes, and without `TCP_NODELAY` the second waits for the server to acknowledge the first,
//! which servers delay by 40 ms while they wait for the rest. Every email then took 40 ms per
//! connection whatever the server's speed (182 emails/s over 8 connections to postfix's
//! `smtp-sink`). lettre's own connection type does the SMTP; only the socket is ours.
use super::SendError;
use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore};

/// A connection unused this long may have been dropped by the server: it is not reused.
const IDLE_LIMIT: Duration = Duration::from_secs(50);
const TIMEOUT: Duration = Duration::from_secs(30);

enum Tls {
    None,
    /// `STARTTLS`, either required or used when offered.
    Starttls {
        params: TlsParameters,
        required: bool,
    },
    /// `smtps://`: TLS from the first byte (lettre's own socket).
    Wrapper(TlsParameters),
}

pub struct Smtp {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    /// At most this many messages in flight, one per connection.
    slots: Semaphore,
}

fn clip(s: String) -> String {
    s.chars().take(500).collect()
}

fn judged(e: lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() { SendError::Permanent(clip(e.to_string())) } else { SendError::Transient(clip(e.to_string())) }
}

impl Smtp {
    /// Reads the URL the way lettre's `from_url` does (`smtp://`, `?tls=required|opportunistic`,
    /// `smtps://`, credentials, the path as the EHLO name).
    pub fn from_url(raw: &str, connections: usize) -> Result<Smtp, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("bad SMTP URL: {e}"))?;
        let host = url.host_str().ok_or("bad SMTP URL: no host")?.to_string();
        let tls_param = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let params = || TlsParameters::new(host.clone()).map_err(|e| format!("bad SMTP URL: {e}"));
        let (tls, default_port) = match (url.scheme(), tls_param.as_deref()) {
            ("smtp", None) => (Tls::None, 25),
            ("smtp", Some("required")) => (Tls::Starttls { params: params()?, required: true }, 587),
            ("smtp", Some("opportunistic")) => (Tls::Starttls { params: params()?, required: false }, 587),
            ("smtps", _) => (Tls::Wrapper(params()?), 465),
            _ => return Err("bad SMTP URL: use smtp:// (?tls=required|opportunistic) or smtps://".into()),
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials = url.password().map(|p| Credentials::new(decode(url.username()), decode(p)));
        let name = url.path().trim_matches('/');
        let hello = if name.is_empty() { ClientId::default() } else { ClientId::Domain(name.to_string()) };
        Ok(Smtp {
            port: url.port().unwrap_or(default_port),
            host,
            tls,
            credentials,
            hello,
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(connections.max(1)),
        })
    }

    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        let _slot = self.slots.acquire().await.map_err(|e| SendError::Transient(e.to_string()))?;
        let mut conn = match self.take_idle().await {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        let sent = conn.send(message.envelope(), &message.formatted()).await;
        if sent.is_ok() && !conn.has_broken() {
            self.idle.lock().await.push((conn, Instant::now()));
        }
        sent.map(|_| ()).map_err(judged)
    }

    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().await;
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < IDLE_LIMIT {
                return Some(conn);
            }
        }
        None
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let mut conn = match &self.tls {
            Tls::Wrapper(params) => {
                let addr = (self.host.as_str(), self.port);
                AsyncSmtpConnection::connect_tokio1(addr, Some(TIMEOUT), &self.hello, Some(params.clone()), None)
                    .await
                    .map_err(judged)?
            }
            _ => {
                let unreachable =
                    |e: std::io::Error| SendError::Transient(format!("cannot reach the SMTP server: {e}"));
                let tcp =
                    tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect((self.host.as_str(), self.port)))
                        .await
                        .map_err(|_| unreachable(std::io::ErrorKind::TimedOut.into()))?
                        .map_err(unreachable)?;
                tcp.set_nodelay(true).map_err(unreachable)?;
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await.map_err(judged)?
            }
        };
        if let Tls::Starttls { params, required } = &self.tls
            && (*required || conn.can_starttls())
        {
            conn.starttls(params.clone(), &self.hello).await.map_err(judged)?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await.map_err(judged)?;
        }
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::{Smtp, Tls};

    #[test]
    fn urls_are_read_as_lettre_reads_them() {
        let plain = Smtp::from_url("smtp://127.0.0.1:2525", 4).unwrap();
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 2525));
        assert!(matches!(plain.tls, Tls::None) && plain.credentials.is_none());
        let submission = Smtp::from_url("smtp://us%40er:p%2Fss@mail.example.com?tls=required", 4).unwrap();
        assert_eq!(submission.port, 587);
        assert!(matches!(submission.tls, Tls::Starttls { required: true, .. }));
        let expected = lettre::transport::smtp::authentication::Credentials::new("us@er".into(), "p/ss".into());
        assert_eq!(submission.credentials, Some(expected));
        let wrapped = Smtp::from_url("smtps://mail.example.com", 4).unwrap();
        assert!(matches!(wrapped.tls, Tls::Wrapper(_)) && wrapped.port == 465);
        assert!(Smtp::from_url("http://mail.example.com", 4).is_err());
        assert!(Smtp::from_url("smtp://mail.example.com?tls=sometimes", 4).is_err());
    }
}
