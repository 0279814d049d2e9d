//! Drafts saved for later (CONTRACT §9): a half-filled form, encrypted with
//! XChaCha20-Poly1305 under a key derived from the link's token and a secret derived from the
//! server key. The server stores only the token's SHA-256, so a draft opens only when its link
//! is presented again: neither a copy of the database nor the server alone can read it.
use super::sealed::{pad_exact, unpad};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;

const NONCE: usize = 24;

/// The server's part of every draft key, derived once from the server key.
#[derive(Clone)]
pub struct DraftSecret([u8; 32]);

impl std::fmt::Debug for DraftSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DraftSecret(<redacted>)")
    }
}

impl DraftSecret {
    pub fn derive(server_key: &[u8; 32]) -> DraftSecret {
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::new(Some(b"candor"), server_key)
            .expand(b"draft secret v1", &mut out)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        DraftSecret(out)
    }

    /// The key of one link's draft: the token is the input key material, so the stored hash
    /// of the token does not give it.
    fn cipher(&self, token: &str) -> XChaCha20Poly1305 {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.0), token.as_bytes())
            .expand(b"draft v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        XChaCha20Poly1305::new(&key.into())
    }

    /// Seals a form's fields for the link `token`, padded to exactly `size` bytes (one size
    /// for every draft of a survey; None when they do not fit); `aad` binds the record to its row.
    pub fn seal(&self, token: &str, aad: &str, fields: &[(String, String)], size: usize) -> Option<Vec<u8>> {
        let plain = pad_exact(&serde_json::to_vec(fields).ok()?, size)?;
        let nonce: [u8; NONCE] = rand::random();
        let sealed =
            self.cipher(token).encrypt(&XNonce::from(nonce), Payload { msg: &plain, aad: aad.as_bytes() }).ok()?;
        Some([nonce.as_slice(), &sealed].concat())
    }

    /// The fields of a draft, if this link's token opens it.
    pub fn open(&self, token: &str, aad: &str, sealed: &[u8]) -> Option<Vec<(String, String)>> {
        if sealed.len() <= NONCE {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let nonce = <[u8; NONCE]>::try_from(nonce).ok()?;
        let plain =
            self.cipher(token).decrypt(&XNonce::from(nonce), Payload { msg: body, aad: aad.as_bytes() }).ok()?;
        serde_json::from_slice(unpad(&plain)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<(String, String)> {
        vec![("q1".into(), "4".into()), ("q3".into(), "她很好 — keep it".into())]
    }

    #[test]
    fn only_the_same_link_and_server_open_a_draft() {
        let secret = DraftSecret::derive(&[7; 32]);
        let sealed = secret.seal("token-a", "h1", &fields(), 1024).unwrap();
        assert_eq!(secret.open("token-a", "h1", &sealed), Some(fields()));
        assert_eq!(secret.open("token-b", "h1", &sealed), None, "another link");
        assert_eq!(secret.open("token-a", "h2", &sealed), None, "moved to another row");
        assert_eq!(DraftSecret::derive(&[8; 32]).open("token-a", "h1", &sealed), None, "another server key");
        assert!(!String::from_utf8_lossy(&sealed).contains("keep it"));
    }

    #[test]
    fn sizes_say_little() {
        let secret = DraftSecret::derive(&[7; 32]);
        let short = secret.seal("t", "h", &[("q".into(), "a".into())], 4096).unwrap();
        let longer = secret.seal("t", "h", &[("q".into(), "a".repeat(3000))], 4096).unwrap();
        assert_eq!(short.len(), longer.len());
        assert_eq!(secret.seal("t", "h", &[("q".into(), "a".repeat(4096))], 4096), None, "never a larger draft");
    }
}
