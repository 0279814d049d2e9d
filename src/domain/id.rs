//! The caller's own identifiers (HR ids, CRM ids, cycle names).

/// What an id may look like, as the OpenAPI document states it (see `shapes`).
pub const ID_PATTERN: &str = "^[A-Za-z0-9._:-]{1,64}$";
pub const ID_MAX: usize = 64;

/// An id chosen by the caller: 1 to 64 characters of `A-Z a-z 0-9 - _ . :`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(raw: &str) -> Result<ExternalId, String> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
        if raw.is_empty() || raw.len() > ID_MAX {
            return Err(format!("id {raw:?} must be 1 to 64 characters"));
        }
        if !raw.chars().all(ok_char) {
            return Err(format!("id {raw:?} may only use letters, digits and - _ . :"));
        }
        Ok(ExternalId(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for ExternalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's or customer's display name: trimmed, 1 to 200 characters, no control characters.
pub fn parse_name(raw: &str, what: &str) -> Result<String, String> {
    parse_label(raw, what, 200)
}

/// A single-line label: trimmed, 1 to `max` characters, no control characters. The limit
/// counts what was sent, spaces around it included, as the OpenAPI document's `maxLength` does.
pub fn parse_label(raw: &str, what: &str, max: usize) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    if raw.chars().count() > max {
        return Err(format!("{what} must be at most {max} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err(format!("{what} must not contain control characters"));
    }
    if let Some(c) = s.chars().find(|c| is_invisible_format(*c)) {
        return Err(format!("{what} must not contain invisible formatting characters (U+{:04X})", c as u32));
    }
    Ok(s.to_string())
}

/// Characters that reorder or hide text (bidi overrides and isolates, zero-width and line
/// separators): in a name they can make a page or an email say something else than it shows.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hr_and_cycle_ids() {
        for ok in ["E1001", "2026-Q4", "crm:42", "a.b_c"] {
            assert_eq!(ExternalId::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_empty_long_and_odd_ids() {
        for bad in ["", " E1", "E/1", "<b>", &"x".repeat(65)] {
            assert!(ExternalId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_single_line() {
        assert_eq!(parse_name("  Li Na ", "name").unwrap(), "Li Na");
        assert!(parse_name("   ", "name").is_err());
        assert!(parse_name("a\nb", "name").is_err());
        assert!(parse_name(&format!(" {}", "N".repeat(200)), "name").is_err(), "the limit counts what was sent");
        assert_eq!(parse_name(&format!(" {} ", "N".repeat(198)), "name").unwrap().len(), 198);
    }

    #[test]
    fn text_that_reorders_or_hides_itself_is_refused() {
        for bad in ["Li\u{202E}aN", "a\u{2028}b", "x\u{200B}y", "\u{2066}z\u{2069}", "\u{FEFF}Li"] {
            let e = parse_name(bad, "name").unwrap_err();
            assert!(e.contains("invisible"), "{bad:?}: {e}");
        }
        assert_eq!(parse_name("李娜 (Li Na)", "name").unwrap(), "李娜 (Li Na)");
    }
}
