//! The HTTP server loop. axum's own `serve` has no cap on open connections and no deadline for
//! request headers; a client holding many half-sent or silent connections could exhaust file
//! descriptors. Here a connection over the cap is closed at once, and one that has not sent a
//! whole request head within the deadline — half-sent, or idle between keep-alive requests —
//! is closed; the request timeout bounds the rest. Shutdown is graceful.
//!
//! One client may not take the whole cap: a peer address (an IPv6 one by its /64) holds at
//! most its share of connections, checked when it connects. A trusted proxy's connections
//! carry many clients, and which one is only known once a request's head is read, so they are
//! not counted at accept; instead each client the proxy names may have at most its share of
//! requests in flight, and one more is answered 429.
use crate::domain::net::{IpNet, client_address, limit_key};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    /// Connections one peer address may hold, and requests in flight one client behind a
    /// trusted proxy may have.
    pub per_client: usize,
    pub header_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (`CANDOR_TRUSTED_PROXIES`).
    pub proxies: Arc<Vec<IpNet>>,
}

/// How many connections (or requests) each client holds; a client is forgotten at zero, so
/// the map never holds more clients than there are connections.
struct Shares {
    cap: usize,
    held: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's or request's part of its client's share, given back when dropped.
struct Share {
    shares: Arc<Shares>,
    client: IpAddr,
}

impl Shares {
    fn new(cap: usize) -> Arc<Shares> {
        Arc::new(Shares { cap: cap.max(1), held: Mutex::new(HashMap::new()) })
    }

    fn take(self: &Arc<Self>, client: IpAddr) -> Option<Share> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let n = held.entry(client).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(Share { shares: self.clone(), client })
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        let mut held = self.shares.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = held.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.client);
            }
        }
    }
}

/// The answer to a request over its client's share: no body, try again shortly.
fn over_share() -> axum::response::Response {
    use axum::http::{HeaderValue, StatusCode, header};
    let mut res = axum::response::Response::new(Body::empty());
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}

/// Serves `router` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let per_peer = Shares::new(limits.per_client);
    let per_client = Shares::new(limits.per_client);
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors, say: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let via_proxy = limits.proxies.iter().any(|p| p.contains(peer.ip()));
        let peer_share = if via_proxy {
            None
        } else {
            let Some(share) = per_peer.take(limit_key(peer.ip())) else {
                // Debug only: a client over its share would otherwise fill the log.
                tracing::debug!(share = limits.per_client, "connection refused: the client holds its share");
                drop(stream);
                continue;
            };
            Some(share)
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(max = limits.max_connections, "connection refused: too many open connections");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let (per_client, proxies) = (per_client.clone(), limits.proxies.clone());
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            // Behind a proxy, the client it names holds a share of requests in flight.
            let share = via_proxy.then(|| {
                let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
                per_client.take(limit_key(client_address(peer.ip(), forwarded, &proxies)))
            });
            let router = router.clone();
            async move {
                if matches!(share, Some(None)) {
                    return Ok(over_share());
                }
                let res = router.oneshot(req.map(Body::new)).await;
                drop(share);
                res
            }
        });
        let (mut stop, done) = (stop_rx.clone(), done_rx.clone());
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut conn = pin!(conn);
            let stopping = async move {
                // The guard `wait_for` returns is not Send: drop it before the next await.
                let _ = stop.wait_for(|stopping| *stopping).await.map(|_| ());
            };
            tokio::select! {
                _ = conn.as_mut() => {}
                () = stopping => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop((slot, peer_share, done));
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(done_rx);
    done_tx.closed().await;
}

#[cfg(test)]
mod tests {
    use super::Shares;
    use std::net::IpAddr;

    #[test]
    fn a_share_is_given_back_and_the_client_forgotten() {
        let shares = Shares::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let (one, two) = (shares.take(a).unwrap(), shares.take(a).unwrap());
        assert!(shares.take(a).is_none(), "a's share is taken");
        let other = shares.take(b).expect("b has its own share");
        drop(one);
        let three = shares.take(a).expect("given back");
        drop((two, three, other));
        assert!(shares.held.lock().unwrap().is_empty(), "nobody is remembered at zero");
    }
}
