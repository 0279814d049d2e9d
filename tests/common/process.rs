//! The real binary as a process: the port it bound, read from its log, and a stop by SIGTERM.
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// Waits for the real binary (started with `CANDOR_LISTEN=127.0.0.1:0`, stderr piped, and
/// `candor::startup=info` in `CANDOR_LOG`) to log the port it bound, and returns it; the rest
/// of its log is drained in the background (and returned lines are kept for messages).
pub fn listening_port(child: &mut Child) -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let stderr = child.stderr.take().expect("stderr piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            if line.contains("listening")
                && let Some(at) = line.find("127.0.0.1:")
            {
                let digits: String = line[at + 10..].chars().take_while(char::is_ascii_digit).collect();
                if let Ok(port) = digits.parse() {
                    return (port, rx);
                }
            }
            seen.push(line);
        }
        assert!(Instant::now() < deadline, "the server did not start: {seen:?}");
    }
}

/// Sends SIGTERM, as a service manager stops the server.
pub fn sigterm(child: &Child) {
    let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(sent.success(), "could not signal the server");
}

/// Waits (20 s at most) until the process has exited, and asserts a clean exit.
pub fn exits_cleanly(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "a clean exit");
    status
}
