//! Key custody (CONTRACT §10) with the real binary: a fresh directory makes its own private
//! key; a key others may read, the key once published in the repository, another key than the
//! database was sealed under, or a lost key file are each refused with exit 2 before anything
//! is served or created.
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// The key that `candor.key` held in the repository from 5f0acca on: public, so worthless.
const PUBLISHED: &str = "PZkmZdngRbWChyMAal40GF16xD84SvN/OdfHDaUH6vU=";

fn candor(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_candor"))
        .current_dir(dir)
        .env_remove("CANDOR_DATABASE_URL")
        .env_remove("CANDOR_KEY")
        .env_remove("CANDOR_KEY_FILE")
        .args(args)
        .output()
        .unwrap()
}

fn new_key(dir: &Path) -> Output {
    candor(dir, &["api-key", "create", "--name", "ops", "--scope", "admin"])
}

/// Exit 2 with one line on stderr that says `why`.
fn refused(out: &Output, why: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let line = err.trim().lines().last().unwrap_or_default();
    assert!(line.starts_with("candor: ") && line.contains(why), "{err}");
}

fn write_key(dir: &Path, b64: &str, mode: u32) {
    let path = dir.join("candor.key");
    std::fs::write(&path, format!("{b64}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_fresh_directory_makes_its_own_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = new_key(dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = dir.path().join("candor.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "readable by its owner only");
    let b64 = std::fs::read_to_string(&key).unwrap();
    assert_ne!(b64.trim(), PUBLISHED);
    assert!(new_key(dir.path()).status.success(), "the same key serves the next start");
}

#[test]
fn a_key_file_others_may_read_is_refused() {
    for mode in [0o644, 0o666, 0o640] {
        let dir = tempfile::tempdir().unwrap();
        write_key(dir.path(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", mode);
        refused(&new_key(dir.path()), "chmod 600");
        assert!(!dir.path().join("candor.db").exists(), "refused before the database is touched");
    }
}

#[test]
fn the_published_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_key(dir.path(), PUBLISHED, 0o600);
    refused(&new_key(dir.path()), "published");
    let out = Command::new(env!("CARGO_BIN_EXE_candor"))
        .current_dir(dir.path())
        .env("CANDOR_KEY", PUBLISHED)
        .args(["migrate"])
        .output()
        .unwrap();
    refused(&out, "published");
}

#[test]
fn a_lost_key_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    assert!(new_key(dir.path()).status.success());
    let key = dir.path().join("candor.key");
    std::fs::remove_file(&key).unwrap();
    refused(&new_key(dir.path()), "missing");
    assert!(!key.exists(), "no new key was made for a database that had one");
}

#[test]
fn another_key_is_refused_before_serving_even_with_nothing_sealed() {
    let dir = tempfile::tempdir().unwrap();
    write_key(dir.path(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 0o600);
    assert!(new_key(dir.path()).status.success());
    write_key(dir.path(), "HxwdGxoZGBcWFRQTEhEQDw4NDAsKCQgHBgUEAwIBAAA=", 0o600);
    refused(&new_key(dir.path()), "sealed under another key");
}
