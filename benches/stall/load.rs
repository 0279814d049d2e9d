//! The respondents' load and the probes (`/healthz`, a survey page) of the stall bench.
//!
//! Not wrk: wrk is a closed loop (each connection sends its next request only when the last one
//! has answered), so a server that stalls for 5 s shows up as 8 slow requests among thousands
//! of fast ones, and its latency window cannot be lined up with the admin operation's. Here the
//! respondents arrive on a fixed schedule (`rate` a second, wrk2-style), are sent over
//! `conns` connections, and each one's latency counts from when it was *due*, so every
//! respondent who arrived during a stall is counted with the whole of their wait. The window is
//! exact: the requests due between the operation's start and its end.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Fresh links, each used once (a used one answers 409 at once, which would flatter the
/// figures).
pub struct Tokens {
    list: Vec<String>,
    next: AtomicUsize,
}

impl Tokens {
    pub fn new(list: Vec<String>) -> Arc<Tokens> {
        Arc::new(Tokens { list, next: AtomicUsize::new(0) })
    }

    fn take(&self) -> Option<&str> {
        self.list.get(self.next.fetch_add(1, Ordering::Relaxed)).map(String::as_str)
    }
}

/// One request: when it was due, how long until its answer (from when it was due), and whether
/// the answer was a success (2xx or the submission's 303).
pub struct Sample {
    due: Instant,
    latency: Duration,
    ok: bool,
}

/// What the requests due in a window saw.
pub struct Stats {
    pub requests: usize,
    pub failed: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The samples due in `[from, to]`.
pub fn stats(samples: &[Sample], from: Instant, to: Instant) -> Stats {
    let within: Vec<&Sample> = samples.iter().filter(|s| s.due >= from && s.due <= to).collect();
    let mut ms: Vec<f64> = within.iter().map(|s| s.latency.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    // The nearest-rank percentile: the smallest latency at least `p` of the requests had.
    let rank = |p: f64| ms.get(((p * ms.len() as f64).ceil() as usize).saturating_sub(1)).copied().unwrap_or(0.0);
    Stats {
        requests: within.len(),
        failed: within.iter().filter(|s| !s.ok).count(),
        p50_ms: rank(0.50),
        p99_ms: rank(0.99),
        max_ms: ms.last().copied().unwrap_or(0.0),
    }
}

/// Stretches of the window in which requests waited longer than `over_ms`: the offsets (from
/// `from`, in seconds) of the first and last such request due, how many, and the longest wait.
/// Requests due within 100 ms of each other belong to one stretch.
pub fn stalls(samples: &[Sample], from: Instant, to: Instant, over_ms: f64) -> Vec<(f64, f64, usize, f64)> {
    let mut slow: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.due >= from && s.due <= to && s.latency.as_secs_f64() * 1000.0 > over_ms)
        .map(|s| ((s.due - from).as_secs_f64(), s.latency.as_secs_f64() * 1000.0))
        .collect();
    slow.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64, usize, f64)> = Vec::new();
    for (at, ms) in slow {
        match out.last_mut() {
            Some(last) if at - last.1 <= 0.1 => *last = (last.0, at, last.2 + 1, last.3.max(ms)),
            _ => out.push((at, at, 1, ms)),
        }
    }
    out
}

const ANSWERS: &str = "q1=4&q2=9&q3=Quick+and+friendly";

/// Respondents submitting until [`Load::stop`].
pub struct Load {
    end: Arc<OnceLock<Instant>>,
    ran_out: Arc<AtomicBool>,
    workers: Vec<JoinHandle<Vec<Sample>>>,
}

impl Load {
    /// `rate` submissions a second from now on, over `conns` connections.
    pub fn start(base: &str, tokens: &Arc<Tokens>, rate: f64, conns: usize) -> Load {
        // One connection per worker: no redirects followed (the 303 is the answer).
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(conns)
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let start = Instant::now();
        let seq = Arc::new(AtomicUsize::new(0));
        let end = Arc::new(OnceLock::new());
        let ran_out = Arc::new(AtomicBool::new(false));
        let workers = (0..conns)
            .map(|_| {
                let (client, seq, end, ran_out, tokens) =
                    (client.clone(), seq.clone(), end.clone(), ran_out.clone(), tokens.clone());
                let url = format!("{base}/s/");
                tokio::spawn(async move {
                    let mut samples = Vec::new();
                    loop {
                        let k = seq.fetch_add(1, Ordering::Relaxed);
                        let due = start + Duration::from_secs_f64(k as f64 / rate);
                        tokio::time::sleep_until(due.into()).await;
                        // Everyone due before the end is served, the backlog of a stall included.
                        if end.get().is_some_and(|e: &Instant| due >= *e) {
                            break;
                        }
                        let Some(token) = tokens.take() else {
                            ran_out.store(true, Ordering::Relaxed);
                            break;
                        };
                        let res = client
                            .post(format!("{url}{token}"))
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(ANSWERS)
                            .send()
                            .await;
                        let ok = match res {
                            Ok(r) => r.status().as_u16() < 400 && r.bytes().await.is_ok(),
                            Err(_) => false,
                        };
                        samples.push(Sample { due, latency: due.elapsed(), ok });
                    }
                    samples
                })
            })
            .collect();
        Load { end, ran_out, workers }
    }

    /// Stops sending what is due after `at`; returns every request's sample and whether the
    /// links ran out before then.
    pub async fn stop(self, at: Instant) -> (Vec<Sample>, bool) {
        let _ = self.end.set(at);
        let mut all = Vec::new();
        for w in self.workers {
            all.extend(w.await.unwrap());
        }
        (all, self.ran_out.load(Ordering::Relaxed))
    }
}

/// What a monitor saw of a URL (`/healthz`, or a survey page: a read only), probing it every
/// 20 ms, one probe at a time.
pub struct Health {
    end: Arc<OnceLock<Instant>>,
    prober: JoinHandle<Vec<Sample>>,
}

/// Probes in a window: how many, how many did not answer 200 (or not within 30 s), the 99th
/// percentile and the slowest.
pub struct HealthStats {
    pub probes: usize,
    pub failed: usize,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Health {
    pub fn start(url: String) -> Health {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let end = Arc::new(OnceLock::new());
        let stop = end.clone();
        let prober = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut probes = Vec::new();
            while stop.get().is_none() {
                tick.tick().await;
                let due = Instant::now();
                let ok = matches!(client.get(&url).send().await, Ok(r) if r.status() == 200);
                probes.push(Sample { due, latency: due.elapsed(), ok });
            }
            probes
        });
        Health { end, prober }
    }

    /// The probes started in `[from, to]`.
    pub async fn stop(self, from: Instant, to: Instant) -> HealthStats {
        let _ = self.end.set(to);
        let probes = self.prober.await.unwrap();
        let s = stats(&probes, from, to);
        HealthStats { probes: s.requests, failed: s.failed, p99_ms: s.p99_ms, max_ms: s.max_ms }
    }
}
