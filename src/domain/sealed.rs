//! Sealed answers (CONTRACT §6, §10): an anonymous response is stored, until its cycle closes,
//! only encrypted with XChaCha20-Poly1305 under its cycle's own key ([`super::cycle_key`],
//! wrapped under the server key, which is kept outside the database), or, for records sealed
//! before cycles had keys, a key derived (HKDF-SHA256) from the server key. Every record of a survey has one length: the plaintext
//! is padded to the largest answer the survey can take ([`record_size`]), so a record's size
//! says nothing about what it holds.
use super::sealed_record::{IN_TAIL, encode, pad_exact, parse, unpad};
pub use super::sealed_record::{SealedAnswer, rater, record_size};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};

const NONCE: usize = 24;
const TAG: usize = 16;
/// Plaintext bytes of a record's head. The head (its nonce, this and the tag: 884 characters of
/// base64) keeps a `sealed_responses` row within what SQLite stores on the b-tree page itself
/// (1,002 bytes, with the 32-character id, a cycle id of up to 64 and the tail's key), so no
/// row spills onto an overflow page. An answer of a dozen scores and a few sentences of
/// comment fits.
const HEAD_PLAIN: usize = 623;

/// A key that seals answers: a cycle's own, or one derived from the 32-byte server key.
pub struct SealKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("a sealed answer cannot be opened with this key (wrong CANDOR_KEY?)")]
    WrongKey,
    #[error("a sealed answer is malformed")]
    Malformed,
    #[error("an answer is larger than its survey allows")]
    TooLarge,
    #[error("a sealed answer is in its record's tail")]
    InTail,
}

pub(super) fn derive(server_key: &[u8; 32], purpose: &[u8]) -> [u8; 32] {
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(Some(b"candor"), server_key)
        .expand(purpose, &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    key
}

/// The key check value stored in the database (CONTRACT §10): a MAC of a constant under the
/// server key, so an instance started with another key is refused before it serves.
pub fn key_check_value(server_key: &[u8; 32]) -> String {
    let check = derive(server_key, b"key check v1");
    let mut h = Sha256::new();
    h.update(check);
    h.update(b"candor key check");
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl SealKey {
    pub fn derive(server_key: &[u8; 32]) -> SealKey {
        // One derivation per purpose: the server key itself never touches a record.
        let key = derive(server_key, b"sealed answers v1");
        SealKey { cipher: XChaCha20Poly1305::new(&key.into()) }
    }

    /// A key of its own: a cycle's (see [`super::cycle_key`]).
    pub fn from_bytes(key: &[u8; 32]) -> SealKey {
        SealKey { cipher: XChaCha20Poly1305::new(key.into()) }
    }

    /// Seals `answer` for the cycle `aad` (a record moved to another cycle does not open), as
    /// a head and a tail of one length each for every record of its survey ([`record_size`]):
    /// an answer that fits the head is sealed there and the tail is random bytes; a longer one
    /// is sealed in the tail, bound to its head, and the head says so. Either way the parts
    /// look alike, and a close opens most answers from their heads alone, never reading the
    /// padding that makes every record as long as the longest answer.
    pub fn seal(&self, answer: &SealedAnswer, aad: &str, size: usize) -> Result<SealedParts, SealError> {
        let encoded = encode(answer)?;
        if encoded.len() + 4 > size {
            return Err(SealError::TooLarge);
        }
        if let Some(plain) = pad_exact(&encoded, HEAD_PLAIN) {
            let mut tail = vec![0u8; NONCE + size + TAG];
            rand::fill(tail.as_mut_slice());
            return Ok(SealedParts { head: self.seal_bytes(&plain, aad.as_bytes())?, tail });
        }
        let marker = pad_exact(&[IN_TAIL], HEAD_PLAIN).ok_or(SealError::TooLarge)?;
        let head = self.seal_bytes(&marker, aad.as_bytes())?;
        let whole = pad_exact(&encoded, size).ok_or(SealError::TooLarge)?;
        let tail = self.seal_bytes(&whole, &tail_aad(aad, &head))?;
        Ok(SealedParts { head, tail })
    }

    fn seal_bytes(&self, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        let nonce: [u8; NONCE] = rand::random();
        let sealed =
            self.cipher.encrypt(&XNonce::from(nonce), Payload { msg: plain, aad }).map_err(|_| SealError::Malformed)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The padded plaintext of one part.
    fn open_bytes(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() <= NONCE {
            return Err(SealError::Malformed);
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let nonce = <[u8; NONCE]>::try_from(nonce).map_err(|_| SealError::Malformed)?;
        self.cipher.decrypt(&XNonce::from(nonce), Payload { msg: body, aad }).map_err(|_| SealError::WrongKey)
    }

    /// Opens a record from its head (or the one part of an earlier release's record).
    /// [`SealError::InTail`] when the answer is in the tail: see [`SealKey::open_tail`].
    pub fn open(&self, sealed: &[u8], aad: &str) -> Result<SealedAnswer, SealError> {
        let plain = self.open_bytes(sealed, aad.as_bytes())?;
        match unpad(&plain).ok_or(SealError::Malformed)? {
            [IN_TAIL] => Err(SealError::InTail),
            bytes => parse(bytes),
        }
    }

    /// Opens a record from its head, and from its tail when the answer is there and `tail` is
    /// given ([`SealError::InTail`] when it is not).
    pub fn open_parts(&self, head: &[u8], tail: Option<&[u8]>, aad: &str) -> Result<SealedAnswer, SealError> {
        match (self.open(head, aad), tail) {
            (Err(SealError::InTail), Some(tail)) => self.open_tail(head, tail, aad),
            (opened, _) => opened,
        }
    }

    /// Opens a record whose answer is in its tail: the head must open and say so, and the tail
    /// must be the one sealed with that head.
    pub fn open_tail(&self, head: &[u8], tail: &[u8], aad: &str) -> Result<SealedAnswer, SealError> {
        match self.open(head, aad) {
            Err(SealError::InTail) => {}
            Ok(_) => return Err(SealError::Malformed),
            Err(e) => return Err(e),
        }
        let plain = self.open_bytes(tail, &tail_aad(aad, head))?;
        parse(unpad(&plain).ok_or(SealError::Malformed)?)
    }
}

/// A sealed record in its two parts, each of one length for every record of a survey.
#[derive(Debug, Clone)]
pub struct SealedParts {
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
}

/// A tail opens only with the head it was sealed with (the head's random nonce) and in its cycle.
fn tail_aad(aad: &str, head: &[u8]) -> Vec<u8> {
    [aad.as_bytes(), b"\0tail\0", head.get(..NONCE).unwrap_or(head)].concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::answers::Answer;
    use crate::domain::relation::Relation;
    use crate::domain::survey::{MAX_TEXT_ANSWER, Question, QuestionType, Survey, SurveyKind};

    fn survey() -> Survey {
        let q = |id: &str, kind| Question {
            id: id.into(),
            kind,
            min: Some(1),
            max: Some(5),
            indicator: None,
            required: false,
            text: id.into(),
            text_i18n: Default::default(),
            extra: Default::default(),
        };
        Survey {
            id: "p".into(),
            kind: SurveyKind::Peer,
            title: "360".into(),
            title_i18n: Default::default(),
            anonymous: false,
            questions: vec![q("t1", QuestionType::Scale), q("n", QuestionType::Text)],
            indicator_names: Default::default(),
        }
    }

    fn answer(comment: &str) -> SealedAnswer {
        SealedAnswer {
            survey_id: "p".into(),
            subject_id: "subject-E1001".into(),
            relation: Relation::Peer,
            answers: vec![
                Answer { question_id: "t1".into(), value: Some(4), text: None },
                Answer { question_id: "n".into(), value: None, text: Some(comment.into()) },
            ],
            rater: Some([3; 32]),
        }
    }

    #[test]
    fn only_the_same_key_and_cycle_open_a_record() {
        let key = SealKey::derive(&[7; 32]);
        let size = record_size(&survey());
        let sealed = key.seal(&answer("keeps the team calm"), "Q4", size).unwrap();
        assert_eq!(
            key.open(&sealed.head, "Q4"),
            Ok(answer("keeps the team calm")),
            "a short answer opens from its head"
        );
        assert_eq!(key.open(&sealed.head, "Q3"), Err(SealError::WrongKey), "bound to its cycle");
        assert_eq!(SealKey::derive(&[8; 32]).open(&sealed.head, "Q4"), Err(SealError::WrongKey));
        assert_eq!(key.open(&sealed.tail, "Q4"), Err(SealError::WrongKey), "its tail is random bytes");
        let text = String::from_utf8_lossy(&[sealed.head.as_slice(), &sealed.tail].concat()).into_owned();
        assert!(!text.contains("keeps the team calm") && !text.contains("subject-E1001"), "nothing in clear");
        let again = key.seal(&answer("x"), "Q4", size).unwrap();
        assert_ne!(again.head, key.seal(&answer("x"), "Q4", size).unwrap().head);
    }

    #[test]
    fn a_long_answer_opens_only_from_its_own_tail() {
        let key = SealKey::derive(&[7; 32]);
        let size = record_size(&survey());
        let long = "很有帮助，".repeat(60);
        let (a, b) = (key.seal(&answer(&long), "Q4", size).unwrap(), key.seal(&answer(&long), "Q4", size).unwrap());
        assert_eq!(key.open(&a.head, "Q4"), Err(SealError::InTail), "the head says where the answer is");
        assert_eq!(key.open_tail(&a.head, &a.tail, "Q4"), Ok(answer(&long)));
        assert_eq!(key.open_tail(&a.head, &b.tail, "Q4"), Err(SealError::WrongKey), "another record's tail");
        assert_eq!(key.open_tail(&a.head, &a.tail, "Q3"), Err(SealError::WrongKey), "bound to its cycle");
        let short = key.seal(&answer("ok"), "Q4", size).unwrap();
        assert_eq!(
            key.open_tail(&short.head, &a.tail, "Q4"),
            Err(SealError::Malformed),
            "a short answer has no tail to open"
        );
    }

    #[test]
    fn every_record_of_a_survey_has_one_size() {
        let key = SealKey::derive(&[7; 32]);
        let size = record_size(&survey());
        let lengths: Vec<(usize, usize)> =
            ["", "ok", &"x".repeat(3_500), &"很有帮助，".repeat(1_000), &"😀\u{1}\"".repeat(1_666)]
                .iter()
                .map(|c| key.seal(&answer(c), "Q4", size).unwrap())
                .map(|s| (s.head.len(), s.tail.len()))
                .collect();
        assert!(lengths.iter().all(|&l| l == lengths[0]), "{lengths:?}");
        assert!(lengths[0].0.div_ceil(3) * 4 <= 884, "a head in base64 keeps its row on its b-tree page: {lengths:?}");
        let longest = "😀".repeat(MAX_TEXT_ANSWER);
        let sealed = key.seal(&answer(&longest), "Q4", size).unwrap();
        assert_eq!(key.open_tail(&sealed.head, &sealed.tail, "Q4"), Ok(answer(&longest)));
        let too_long = "😀".repeat(MAX_TEXT_ANSWER * 2);
        assert!(matches!(key.seal(&answer(&too_long), "Q4", size), Err(SealError::TooLarge)), "never a larger record");
    }

    #[test]
    fn records_of_the_previous_release_still_open() {
        let key = SealKey::derive(&[7; 32]);
        let json = br#"{"survey_id":"p","subject_id":"S","relation":"peer","answers":[{"question_id":"t1","value":4,"text":null}]}"#;
        let plain = pad_exact(json, 4096).unwrap();
        let nonce = [1u8; NONCE];
        let body = key.cipher.encrypt(&XNonce::from(nonce), Payload { msg: &plain, aad: b"Q4" }).unwrap();
        let opened = key.open(&[nonce.as_slice(), &body].concat(), "Q4").unwrap();
        assert_eq!((opened.subject_id.as_str(), opened.rater, opened.answers[0].value), ("S", None, Some(4)));
    }

    #[test]
    fn the_key_check_value_tells_keys_apart() {
        assert_eq!(key_check_value(&[1; 32]), key_check_value(&[1; 32]));
        assert_ne!(key_check_value(&[1; 32]), key_check_value(&[2; 32]));
    }
}
