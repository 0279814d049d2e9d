//! Email addresses.
use std::str::FromStr;

/// A syntactically valid address, trimmed and lower-cased so that one mailbox is one value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// The longest address SMTP carries.
pub const MAX_LEN: usize = 254;

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<EmailAddress, String> {
        let s = raw.trim().to_lowercase();
        if s.len() > MAX_LEN {
            return Err("email address is too long".into());
        }
        let valid =
            lettre::Address::from_str(&s).is_ok() && s.rsplit_once('@').is_some_and(|(_, domain)| !domain.is_empty());
        if !valid {
            return Err(format!("{:?} is not a valid email address", redact(&s)));
        }
        Ok(EmailAddress(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Only the domain, for logs.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

/// An address shortened for messages and logs: `l***@example.com`.
pub fn redact(addr: &str) -> String {
    match addr.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => {
            let first: String = addr.chars().take(1).collect();
            format!("{first}***")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        let a = EmailAddress::parse("  Li.Na@Example.COM ").unwrap();
        assert_eq!(a.as_str(), "li.na@example.com");
        assert_eq!(a.domain(), "example.com");
    }

    #[test]
    fn rejects_non_addresses() {
        for bad in ["", "li.na", "@example.com", "li na@example.com", "a@", "a@@b.c"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn redaction_hides_the_local_part() {
        assert_eq!(redact("li.na@example.com"), "l***@example.com");
    }
}
