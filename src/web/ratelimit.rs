//! A fixed-window counter per client address, for guesses at unknown tokens.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(30, Duration::from_secs(60))
    }
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter { limit, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Whether this address is over its budget of misses; does not count.
    pub fn is_blocked(&self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.get(&ip).is_some_and(|(start, n)| now.duration_since(*start) < self.window && *n >= self.limit)
    }

    /// Counts one miss for this address.
    pub fn record_miss(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 100_000 {
            let window = self.window;
            seen.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_only_that_address() {
        let rl = RateLimiter::new(3, Duration::from_secs(60));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(!rl.is_blocked(a));
            rl.record_miss(a);
        }
        assert!(rl.is_blocked(a));
        assert!(!rl.is_blocked(b));
    }

    #[test]
    fn the_window_resets() {
        let rl = RateLimiter::new(1, Duration::from_millis(10));
        let a: IpAddr = "::1".parse().unwrap();
        rl.record_miss(a);
        assert!(rl.is_blocked(a));
        std::thread::sleep(Duration::from_millis(15));
        assert!(!rl.is_blocked(a));
    }
}
