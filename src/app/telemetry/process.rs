//! The process's own metrics, under the names every Prometheus client uses (`process_…`), read
//! from `/proc/self` at scrape time. Elsewhere than Linux there are none.
use std::fmt::Write;

/// Clock ticks per second in `/proc`'s figures: USER_HZ, 100 on every Linux architecture.
const TICKS: f64 = 100.0;

pub fn exposition() -> String {
    let mut out = String::new();
    let Some(p) = read() else { return out };
    let mut metric = |name: &str, kind: &str, help: &str, value: f64| {
        let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n\n");
    };
    metric("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.", p.cpu_seconds);
    metric("process_resident_memory_bytes", "gauge", "Resident memory size, in bytes.", p.resident);
    metric("process_virtual_memory_bytes", "gauge", "Virtual memory size, in bytes.", p.virtual_size);
    metric(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since the unix epoch, in seconds.",
        p.start,
    );
    metric("process_open_fds", "gauge", "Open file descriptors.", p.open_fds);
    if let Some(max) = p.max_fds {
        metric("process_max_fds", "gauge", "The limit on open file descriptors.", max);
    }
    metric("process_threads", "gauge", "Threads of the process.", p.threads);
    out
}

struct Process {
    cpu_seconds: f64,
    resident: f64,
    virtual_size: f64,
    start: f64,
    open_fds: f64,
    max_fds: Option<f64>,
    threads: f64,
}

fn read() -> Option<Process> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces and parentheses: the fields start after its last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // Fields numbered as in proc(5), the first after the name being 3 (state).
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok());
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = |key: &str| status_value(&status, key).map(|v| v * 1024.0);
    let boot = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime ").and_then(|v| v.trim().parse::<f64>().ok()))?;
    let max_fds = std::fs::read_to_string("/proc/self/limits").ok().and_then(|limits| {
        let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
        line.trim_start_matches("Max open files").split_whitespace().next()?.parse::<f64>().ok()
    });
    Some(Process {
        cpu_seconds: (field(14)? + field(15)?) / TICKS,
        resident: kib("VmRSS:")?,
        virtual_size: kib("VmSize:")?,
        start: boot + field(22)? / TICKS,
        open_fds: std::fs::read_dir("/proc/self/fd").ok()?.count() as f64,
        max_fds,
        threads: status_value(&status, "Threads:")?,
    })
}

/// `Key:   123 kB` → 123.
fn status_value(status: &str, key: &str) -> Option<f64> {
    status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_process_reports_itself() {
        let text = super::exposition();
        for name in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds"] {
            assert!(text.contains(&format!("\n{name} ")), "{name} missing: {text}");
        }
        let rss: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("process_resident_memory_bytes "))
            .and_then(|v| v.parse().ok())
            .expect("a number");
        assert!(rss > 1_000_000.0, "{rss}");
    }
}
