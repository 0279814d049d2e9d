//! Sealed answers (CONTRACT §6): an anonymous response is stored, until its cycle closes, only
//! encrypted with XChaCha20-Poly1305 under a key derived (HKDF-SHA256) from the server key,
//! which is kept outside the database. The plaintext is padded to a power of two of at least
//! [`PAD_TO`] bytes, so a record's size tells at most the size class of a long comment.
use super::answers::Answer;
use super::relation::Relation;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Plaintexts are padded to a power of two of at least this many bytes.
pub const PAD_TO: usize = 4096;
const NONCE: usize = 24;

/// What a sealed record holds: everything needed to write the response at close, and nothing
/// about who gave it. (Each rater has one invitation per subject, relation and survey, and a
/// subject's anonymous group of one relation uses one survey, so records are distinct raters.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealedAnswer {
    pub survey_id: String,
    pub subject_id: String,
    pub relation: Relation,
    pub answers: Vec<Answer>,
}

/// The key that seals answers, derived from the 32-byte server key.
pub struct SealKey(XChaCha20Poly1305);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("a sealed answer cannot be opened with this server key (wrong CANDOR_KEY?)")]
    WrongKey,
    #[error("a sealed answer is malformed")]
    Malformed,
}

impl SealKey {
    pub fn derive(server_key: &[u8; 32]) -> SealKey {
        let mut key = [0u8; 32];
        // One derivation per purpose: the server key itself never touches a record.
        Hkdf::<Sha256>::new(Some(b"candor"), server_key)
            .expand(b"sealed answers v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        SealKey(XChaCha20Poly1305::new(&key.into()))
    }

    /// Seals `answer` for the cycle `aad` (a record moved to another cycle does not open).
    pub fn seal(&self, answer: &SealedAnswer, aad: &str) -> Result<Vec<u8>, SealError> {
        let plain = pad(&serde_json::to_vec(answer).map_err(|_| SealError::Malformed)?, PAD_TO);
        let nonce: [u8; NONCE] = rand::random();
        let sealed = self
            .0
            .encrypt(&XNonce::from(nonce), Payload { msg: &plain, aad: aad.as_bytes() })
            .map_err(|_| SealError::Malformed)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    pub fn open(&self, sealed: &[u8], aad: &str) -> Result<SealedAnswer, SealError> {
        if sealed.len() <= NONCE {
            return Err(SealError::Malformed);
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let nonce = <[u8; NONCE]>::try_from(nonce).map_err(|_| SealError::Malformed)?;
        let plain = self
            .0
            .decrypt(&XNonce::from(nonce), Payload { msg: body, aad: aad.as_bytes() })
            .map_err(|_| SealError::WrongKey)?;
        serde_json::from_slice(unpad(&plain).ok_or(SealError::Malformed)?).map_err(|_| SealError::Malformed)
    }
}

/// A 4-byte length, the bytes, zeros up to a power of two of at least `min` bytes: the size
/// of a record tells at most the size class of what it holds.
pub(super) fn pad(bytes: &[u8], min: usize) -> Vec<u8> {
    let size = (bytes.len() + 4).next_power_of_two().max(min);
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
    out.resize(size, 0);
    out
}

pub(super) fn unpad(padded: &[u8]) -> Option<&[u8]> {
    let len = u32::from_be_bytes(padded.get(..4)?.try_into().ok()?) as usize;
    padded.get(4..4 + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(comment: &str) -> SealedAnswer {
        SealedAnswer {
            survey_id: "p".into(),
            subject_id: "subject-E1001".into(),
            relation: Relation::Peer,
            answers: vec![Answer { question_id: "n".into(), value: None, text: Some(comment.into()) }],
        }
    }

    #[test]
    fn only_the_same_key_and_cycle_open_a_record() {
        let key = SealKey::derive(&[7; 32]);
        let sealed = key.seal(&answer("keeps the team calm"), "Q4").unwrap();
        assert_eq!(key.open(&sealed, "Q4"), Ok(answer("keeps the team calm")));
        assert_eq!(key.open(&sealed, "Q3"), Err(SealError::WrongKey), "bound to its cycle");
        assert_eq!(SealKey::derive(&[8; 32]).open(&sealed, "Q4"), Err(SealError::WrongKey));
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("keeps the team calm") && !text.contains("subject-E1001"), "nothing in clear");
        assert_ne!(
            key.seal(&answer("x"), "Q4").unwrap(),
            key.seal(&answer("x"), "Q4").unwrap(),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn sizes_say_little_about_the_comments() {
        let key = SealKey::derive(&[7; 32]);
        let short = key.seal(&answer("ok"), "Q4").unwrap().len();
        let longer = key.seal(&answer(&"很有帮助，".repeat(250)), "Q4").unwrap().len();
        assert_eq!(short, longer, "up to 3,750 bytes of comment pad to one block");
        assert_eq!(short - NONCE - 16, PAD_TO);
        let longest = key.seal(&answer(&"字".repeat(5_000)), "Q4").unwrap().len();
        assert_eq!(longest - NONCE - 16, 16_384, "a size class, never the length");
    }
}
