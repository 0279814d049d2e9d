//! The server key, as configuration reads it: from `CANDOR_KEY` or a key file only its owner
//! may read, never the key once published in Candor's repository; and a new key file made
//! with mode 0600.
use super::Config;

impl Config {
    /// The 32-byte server key from `CANDOR_KEY` or the key file, read without creating
    /// anything: None when there is no key file yet (the caller decides whether a new key may
    /// be made — never for a database that holds something sealed). A key file that group or
    /// others may read, and the key once published in Candor's repository, are refused.
    pub fn read_server_key(&self) -> Result<Option<[u8; 32]>, String> {
        if let Some(k) = &self.key {
            return decode_key(k, "CANDOR_KEY").and_then(refuse_published).map(Some);
        }
        let path = &self.key_file;
        let shown = path.display();
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read the key file {shown}: {e}")),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(format!(
                    "the key file {shown} may be read by group or others (mode {mode:03o}): run chmod 600 {shown}"
                ));
            }
        }
        let raw = std::fs::read_to_string(path).map_err(|e| format!("cannot read the key file {shown}: {e}"))?;
        decode_key(&raw, &format!("the key file {shown}")).and_then(refuse_published).map(Some)
    }

    /// Writes a fresh random key to the key file (mode 0600); it must not exist yet.
    pub fn create_server_key(&self) -> Result<[u8; 32], String> {
        create_key_file(&self.key_file)
    }
}

pub(crate) fn decode_key(raw: &str, from: &str) -> Result<[u8; 32], String> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| format!("{from} must hold the base64 of exactly 32 bytes"))
}

/// The key that Candor's repository once held (`candor.key`, 5f0acca..ab6fcdc): everyone has
/// it, so nothing sealed under it is secret. Refused as a server key; accepted only as the old
/// key of `candor key rotate --from-published`, which moves a database of an earlier release
/// off it.
const PUBLISHED_KEY: &str = "PZkmZdngRbWChyMAal40GF16xD84SvN/OdfHDaUH6vU=";

/// The published key's bytes.
pub fn published_key() -> [u8; 32] {
    decode_key(PUBLISHED_KEY, "the published key").expect("a valid key")
}

fn refuse_published(key: [u8; 32]) -> Result<[u8; 32], String> {
    if key == published_key() {
        return Err("this server key was published in Candor's repository and seals nothing: make a new one \
             (delete the key file on a new database; on a database of an earlier release, run \
             `candor key rotate --from-published`)"
            .into());
    }
    Ok(key)
}

/// Writes a fresh random key, base64, to a new file that only its owner may read.
pub(crate) fn create_key_file(path: &std::path::Path) -> Result<[u8; 32], String> {
    use base64::Engine;
    use std::io::Write;
    let key: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| format!("cannot create the key file {}: {e}", path.display()))?;
    writeln!(file, "{}", base64::engine::general_purpose::STANDARD.encode(key))
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write the key file {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "created a new server key; keep it apart from database backups");
    Ok(key)
}
