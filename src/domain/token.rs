//! Link tokens and API keys: CSPRNG bytes shown once, kept only as SHA-256.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A 32-byte secret as 43 characters of unpadded base64url. Debug never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn mint() -> Token {
        let bytes: [u8; 32] = rand::random();
        Token(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts only the exact shape of a minted token, so junk never reaches the database.
    pub fn parse(raw: &str) -> Option<Token> {
        let ok = raw.len() == 43
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && URL_SAFE_NO_PAD.decode(raw).is_ok_and(|b| b.len() == 32);
        ok.then(|| Token(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Hex SHA-256: what the database stores and looks up.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A random id for anonymous responses: 16 bytes, hex, with no order or time in it.
pub fn random_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

/// An id for an attributed response: the second it was stored, then randomness, 16 bytes in
/// hex like [`random_id`]. Ids of one batch fall together at the end of the table's B-tree,
/// so a batch writes a few shared pages instead of one page per response. Never used for
/// anonymous responses, whose ids must carry no time.
pub fn ordered_id(now_secs: i64) -> String {
    let tail: [u8; 11] = rand::random();
    format!("{:010x}{}", now_secs.max(0) as u64 & 0xff_ffff_ffff, hex(&tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_ids_sort_by_time_and_look_like_random_ones() {
        let (a, b) = (ordered_id(1_800_000_000), ordered_id(1_800_000_001));
        assert!(a < b);
        assert_eq!((a.len(), b.len()), (random_id().len(), 32));
        assert_ne!(ordered_id(5), ordered_id(5));
    }

    #[test]
    fn minted_tokens_are_43_url_safe_chars_and_parse_back() {
        let t = Token::mint();
        assert_eq!(t.as_str().len(), 43);
        assert_eq!(Token::parse(t.as_str()), Some(t.clone()));
        assert_ne!(Token::mint(), t);
        assert_eq!(t.hash().len(), 64);
        assert!(!t.hash().contains(t.as_str()));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in ["", "abc", &"a".repeat(44), &format!("{}=", "a".repeat(42)), &"+".repeat(43)] {
            assert!(Token::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let t = Token::mint();
        assert!(!format!("{t:?}").contains(t.as_str()));
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
