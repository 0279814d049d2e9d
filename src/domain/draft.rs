//! Drafts saved for later (CONTRACT §9, amended): a half-filled form, encrypted with
//! XChaCha20-Poly1305 under a key derived from a secret of the server key and the invitation,
//! so it reopens from every live link of that invitation (the first email's, a reminder's, one
//! opened from /me) and, like a sealed answer, from nothing in the database alone. Drafts of
//! the previous release were keyed by the link's token; they still open from that link.
use super::sealed_record::{pad_exact, unpad};
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

    /// The key of one invitation's draft.
    fn invitation_cipher(&self, invitation: i64) -> XChaCha20Poly1305 {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.0), &invitation.to_be_bytes())
            .expand(b"draft v2", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        XChaCha20Poly1305::new(&key.into())
    }

    /// Seals a form's fields for `invitation`, padded to exactly `size` bytes (one size for
    /// every draft of a survey; None when they do not fit).
    pub fn seal(&self, invitation: i64, fields: &[(String, String)], size: usize) -> Option<Vec<u8>> {
        let plain = pad_exact(&serde_json::to_vec(fields).ok()?, size)?;
        let nonce: [u8; NONCE] = rand::random();
        let aad = format!("draft:{invitation}");
        let cipher = self.invitation_cipher(invitation);
        let sealed = cipher.encrypt(&XNonce::from(nonce), Payload { msg: &plain, aad: aad.as_bytes() }).ok()?;
        Some([nonce.as_slice(), &sealed].concat())
    }

    /// The fields of `invitation`'s draft, if this server key sealed it.
    pub fn open(&self, invitation: i64, sealed: &[u8]) -> Option<Vec<(String, String)>> {
        let (nonce, body) = split(sealed)?;
        let aad = format!("draft:{invitation}");
        let plain =
            self.invitation_cipher(invitation).decrypt(&nonce, Payload { msg: body, aad: aad.as_bytes() }).ok()?;
        serde_json::from_slice(unpad(&plain)?).ok()
    }

    /// The key of one link's draft in the previous release: the token was the input key
    /// material, so the stored hash of the token does not give it.
    fn cipher(&self, token: &str) -> XChaCha20Poly1305 {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.0), token.as_bytes())
            .expand(b"draft v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        XChaCha20Poly1305::new(&key.into())
    }

    /// The fields of a draft of the previous release, if this link's token opens it (`aad`:
    /// the hash of the token that saved it).
    pub fn open_legacy(&self, token: &str, aad: &str, sealed: &[u8]) -> Option<Vec<(String, String)>> {
        let (nonce, body) = split(sealed)?;
        let plain = self.cipher(token).decrypt(&nonce, Payload { msg: body, aad: aad.as_bytes() }).ok()?;
        serde_json::from_slice(unpad(&plain)?).ok()
    }
}

fn split(sealed: &[u8]) -> Option<(XNonce, &[u8])> {
    if sealed.len() <= NONCE {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE);
    Some((XNonce::from(<[u8; NONCE]>::try_from(nonce).ok()?), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<(String, String)> {
        vec![("q1".into(), "4".into()), ("q3".into(), "她很好 — keep it".into())]
    }

    #[test]
    fn only_the_same_invitation_and_server_open_a_draft() {
        let secret = DraftSecret::derive(&[7; 32]);
        let sealed = secret.seal(41, &fields(), 1024).unwrap();
        assert_eq!(secret.open(41, &sealed), Some(fields()));
        assert_eq!(secret.open(42, &sealed), None, "another invitation");
        assert_eq!(DraftSecret::derive(&[8; 32]).open(41, &sealed), None, "another server key");
        assert!(!String::from_utf8_lossy(&sealed).contains("keep it"));
    }

    #[test]
    fn a_draft_of_the_previous_release_opens_from_its_link() {
        let secret = DraftSecret::derive(&[7; 32]);
        let plain = pad_exact(&serde_json::to_vec(&fields()).unwrap(), 1024).unwrap();
        let nonce = [3u8; NONCE];
        let body = secret.cipher("token-a").encrypt(&XNonce::from(nonce), Payload { msg: &plain, aad: b"h1" }).unwrap();
        let sealed = [nonce.as_slice(), &body].concat();
        assert_eq!(secret.open_legacy("token-a", "h1", &sealed), Some(fields()));
        assert_eq!(secret.open_legacy("token-b", "h1", &sealed), None, "another link");
    }

    #[test]
    fn sizes_say_little() {
        let secret = DraftSecret::derive(&[7; 32]);
        let short = secret.seal(1, &[("q".into(), "a".into())], 4096).unwrap();
        let longer = secret.seal(1, &[("q".into(), "a".repeat(3000))], 4096).unwrap();
        assert_eq!(short.len(), longer.len());
        assert_eq!(secret.seal(1, &[("q".into(), "a".repeat(4096))], 4096), None, "never a larger draft");
    }
}
