//! A fixed-window counter of misses (guesses at unknown tokens, sign-in requests) per client
//! key. Sharded, so one busy address does not serialise the rest, and bounded: a shard that
//! is full first forgets windows that are over, then the oldest ones, so a flood of fresh
//! addresses costs memory of a fixed size and never a scan of everything under one lock.
//!
//! (A GCRA crate such as `governor` has no way to ask "is this client over its budget?"
//! without spending from it, and a miss is only known after the lookup; hence this counter.)
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SHARDS: usize = 16;

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    per_shard: usize,
    hasher: std::collections::hash_map::RandomState,
    shards: Vec<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(30, Duration::from_secs(60))
    }
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter::with_capacity(limit, window, 200_000)
    }

    /// At most about `capacity` clients are remembered at once.
    pub fn with_capacity(limit: u32, window: Duration, capacity: usize) -> RateLimiter {
        RateLimiter {
            limit,
            window,
            per_shard: capacity.div_ceil(SHARDS).max(1),
            hasher: Default::default(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &IpAddr) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (Instant, u32)>> {
        let mut h = self.hasher.build_hasher();
        key.hash(&mut h);
        let i = (std::hash::Hasher::finish(&h) as usize) % SHARDS;
        self.shards[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether this client is over its budget of misses; does not count.
    pub fn is_blocked(&self, key: IpAddr) -> bool {
        let now = Instant::now();
        self.shard(&key)
            .get(&key)
            .is_some_and(|(start, n)| now.duration_since(*start) < self.window && *n >= self.limit)
    }

    /// Counts one miss for this client.
    pub fn record_miss(&self, key: IpAddr) {
        let now = Instant::now();
        let window = self.window;
        let mut shard = self.shard(&key);
        if shard.len() >= self.per_shard && !shard.contains_key(&key) {
            shard.retain(|_, (start, _)| now.duration_since(*start) < window);
            if shard.len() >= self.per_shard {
                // Still full of live windows: forget the oldest half, in one pass.
                let mut starts: Vec<Instant> = shard.values().map(|(s, _)| *s).collect();
                let middle = starts.len() / 2;
                let (_, cut, _) = starts.select_nth_unstable(middle);
                let cut = *cut;
                shard.retain(|_, (start, _)| *start > cut);
            }
        }
        let entry = shard.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_only_that_client() {
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

    #[test]
    fn a_flood_of_fresh_clients_stays_bounded() {
        let rl = RateLimiter::with_capacity(2, Duration::from_secs(60), 1_000);
        let guesser: IpAddr = "198.51.100.7".parse().unwrap();
        rl.record_miss(guesser);
        rl.record_miss(guesser);
        for i in 0..50_000u32 {
            rl.record_miss(IpAddr::from(i.to_be_bytes()));
        }
        let held: usize = rl.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(held <= 1_000 + SHARDS, "{held} clients held");
    }
}
