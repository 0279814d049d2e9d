//! The plaintext of a sealed record (CONTRACT §10): what it holds, how it is written and read
//! (format 2: a version byte, the rater's fingerprint, length-prefixed fields), and its padding
//! to the one size of every record of a survey. Encryption is [`super::sealed`]'s.
use super::answers::Answer;
use super::relation::Relation;
use super::sealed::SealError;
use super::survey::{MAX_TEXT_ANSWER, QuestionType, Survey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// First byte of a record in this format; the previous release's JSON records start with `{`.
pub(super) const FORMAT: u8 = 2;
/// A head's only content when its answer is sealed in the tail.
pub(super) const IN_TAIL: u8 = 3;

/// What a sealed record holds: everything needed to write the response at close, and a
/// fingerprint of the rater that only says whether two records came from one person.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SealedAnswer {
    pub survey_id: String,
    pub subject_id: String,
    pub relation: Relation,
    pub answers: Vec<Answer>,
    /// A hash of (cycle, subject, relation, rater's address) — see [`rater`]. It lies inside
    /// the ciphertext: only someone holding the key could test addresses against it, and they
    /// could pair records with invitations anyway while the cycle is open (README threat model).
    /// Records of the previous release have none: each counts as a rater of its own.
    #[serde(skip)]
    pub rater: Option<[u8; 32]>,
}

pub(super) fn parse(bytes: &[u8]) -> Result<SealedAnswer, SealError> {
    match bytes.first() {
        Some(&FORMAT) => decode(&bytes[1..]).ok_or(SealError::Malformed),
        // The first release sealed JSON, padded to a size class.
        Some(b'{') => serde_json::from_slice(bytes).map_err(|_| SealError::Malformed),
        _ => Err(SealError::Malformed),
    }
}

/// The fingerprint of one rater in one group: equal for two invitations that reach the same
/// address (customers sharing one), unrelated across subjects and cycles, and the same under
/// any server key (a key rotation keeps it).
pub fn rater(cycle: &str, subject: &str, relation: Relation, who: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [b"candor rater v1".as_slice(), cycle.as_bytes(), subject.as_bytes(), relation.as_str().as_bytes()] {
        h.update((part.len() as u32).to_be_bytes());
        h.update(part);
    }
    h.update(who.trim().to_lowercase().as_bytes());
    h.finalize().into()
}

/// The padded plaintext size of every sealed record of `survey`: the largest answer it can
/// take (each text answer at its longest in 4-byte characters, ids at their longest).
pub fn record_size(survey: &Survey) -> usize {
    let id = 1 + super::id::ID_MAX;
    let fixed = 4 + 1 + 32 + id * 3 + 2;
    let per_question: usize = survey
        .questions
        .iter()
        .map(|q| {
            let text = if q.kind == QuestionType::Text { MAX_TEXT_ANSWER * 4 } else { 0 };
            id + 1 + 8 + 4 + text
        })
        .sum();
    fixed + per_question
}

/// Format 2: a version byte, the rater's fingerprint, then length-prefixed fields. Unlike JSON
/// its size has a bound that does not depend on which characters a comment uses.
pub(super) fn encode(a: &SealedAnswer) -> Result<Vec<u8>, SealError> {
    let mut out = vec![FORMAT];
    out.extend_from_slice(&a.rater.unwrap_or([0; 32]));
    for s in [a.relation.as_str(), &a.survey_id, &a.subject_id] {
        put_short(&mut out, s)?;
    }
    out.extend_from_slice(&u16::try_from(a.answers.len()).map_err(|_| SealError::TooLarge)?.to_be_bytes());
    for answer in &a.answers {
        put_short(&mut out, &answer.question_id)?;
        out.push(u8::from(answer.value.is_some()) | u8::from(answer.text.is_some()) << 1);
        out.extend_from_slice(&answer.value.unwrap_or(0).to_be_bytes());
        let text = answer.text.as_deref().unwrap_or("");
        out.extend_from_slice(&u32::try_from(text.len()).map_err(|_| SealError::TooLarge)?.to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    Ok(out)
}

fn put_short(out: &mut Vec<u8>, s: &str) -> Result<(), SealError> {
    out.push(u8::try_from(s.len()).map_err(|_| SealError::TooLarge)?);
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// Reads format 2 (after its version byte).
fn decode(bytes: &[u8]) -> Option<SealedAnswer> {
    let mut r = Reader(bytes);
    let rater: [u8; 32] = r.take(32)?.try_into().ok()?;
    let relation = Relation::parse(&r.short()?)?;
    let (survey_id, subject_id) = (r.short()?, r.short()?);
    let count = u16::from_be_bytes(r.take(2)?.try_into().ok()?);
    let mut answers = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let question_id = r.short()?;
        let flags = r.take(1)?[0];
        let value = i64::from_be_bytes(r.take(8)?.try_into().ok()?);
        let len = u32::from_be_bytes(r.take(4)?.try_into().ok()?) as usize;
        let text = String::from_utf8(r.take(len)?.to_vec()).ok()?;
        answers.push(Answer {
            question_id,
            value: (flags & 1 != 0).then_some(value),
            text: (flags & 2 != 0).then_some(text),
        });
    }
    let rater = (rater != [0; 32]).then_some(rater);
    Some(SealedAnswer { survey_id, subject_id, relation, answers, rater })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    fn short(&mut self) -> Option<String> {
        let len = self.take(1)?[0] as usize;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

/// A 4-byte length, the bytes, zeros up to exactly `size` bytes; None when they do not fit.
pub(super) fn pad_exact(bytes: &[u8], size: usize) -> Option<Vec<u8>> {
    if bytes.len() + 4 > size {
        return None;
    }
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&u32::try_from(bytes.len()).ok()?.to_be_bytes());
    out.extend_from_slice(bytes);
    out.resize(size, 0);
    Some(out)
}

pub(super) fn unpad(padded: &[u8]) -> Option<&[u8]> {
    let len = u32::from_be_bytes(padded.get(..4)?.try_into().ok()?) as usize;
    padded.get(4..4 + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raters_match_by_address_within_a_group_only() {
        let a = rater("Q4", "S", Relation::Customer, "Buyer@Acme.example");
        assert_eq!(a, rater("Q4", "S", Relation::Customer, "buyer@acme.example "));
        assert_ne!(a, rater("Q4", "T", Relation::Customer, "buyer@acme.example"));
        assert_ne!(a, rater("Q3", "S", Relation::Customer, "buyer@acme.example"));
        assert_ne!(a, rater("Q4", "S", Relation::Peer, "buyer@acme.example"));
    }
}
