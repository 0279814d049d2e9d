//! Crypto-shredding (CONTRACT §6): each cycle's anonymous answers are sealed under a random key
//! of the cycle's own, stored only wrapped — encrypted under a key derived from the server key,
//! bound to the cycle's id. The transaction that closes the cycle deletes it, so from then on no
//! sealed record of the cycle opens, whoever holds both the database and the server key.
use super::sealed::{SealError, SealKey, derive};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE: usize = 24;

/// Wraps and unwraps cycle keys under the server key.
pub struct KeyWrap {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for KeyWrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyWrap(<redacted>)")
    }
}

impl KeyWrap {
    pub fn derive(server_key: &[u8; 32]) -> KeyWrap {
        KeyWrap { cipher: XChaCha20Poly1305::new(&derive(server_key, b"cycle keys v1").into()) }
    }

    /// A fresh random key for `cycle`, and its wrapped form to store.
    pub fn fresh(&self, cycle: &str) -> Result<(SealKey, Vec<u8>), SealError> {
        let key: [u8; 32] = rand::random();
        let nonce: [u8; NONCE] = rand::random();
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: &key, aad: cycle.as_bytes() })
            .map_err(|_| SealError::Malformed)?;
        Ok((SealKey::from_bytes(&key), [nonce.as_slice(), &sealed].concat()))
    }

    /// The key of `cycle`; None when it was wrapped under another server key, or for another cycle.
    pub fn unwrap(&self, cycle: &str, wrapped: &[u8]) -> Option<SealKey> {
        let (nonce, body) = wrapped.split_at_checked(NONCE)?;
        let nonce = <[u8; NONCE]>::try_from(nonce).ok()?;
        let plain = self.cipher.decrypt(&XNonce::from(nonce), Payload { msg: body, aad: cycle.as_bytes() }).ok()?;
        let key: [u8; 32] = plain.try_into().ok()?;
        Some(SealKey::from_bytes(&key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::relation::Relation;
    use crate::domain::sealed::SealedAnswer;

    fn record() -> SealedAnswer {
        SealedAnswer {
            survey_id: "p".into(),
            subject_id: "S".into(),
            relation: Relation::Peer,
            answers: Vec::new(),
            rater: Some([7; 32]),
        }
    }

    #[test]
    fn a_cycle_key_opens_only_its_own_cycles_records_and_only_under_its_server_key() {
        let (ours, other) = (KeyWrap::derive(&[1; 32]), KeyWrap::derive(&[2; 32]));
        let (key, wrapped) = ours.fresh("Q4").unwrap();
        let sealed = key.seal(&record(), "Q4", 200).unwrap().head;
        let unwrapped = ours.unwrap("Q4", &wrapped).expect("unwraps under its server key");
        assert_eq!(unwrapped.open(&sealed, "Q4").unwrap(), record());
        assert!(ours.unwrap("Q3", &wrapped).is_none(), "bound to its cycle");
        assert!(other.unwrap("Q4", &wrapped).is_none(), "bound to its server key");
        assert!(ours.unwrap("Q4", &wrapped[..10]).is_none(), "a truncated key is refused, not a panic");
        // Neither the server key's own sealing key nor another cycle's key opens it.
        assert!(SealKey::derive(&[1; 32]).open(&sealed, "Q4").is_err());
        assert!(ours.fresh("Q4").unwrap().0.open(&sealed, "Q4").is_err());
    }
}
