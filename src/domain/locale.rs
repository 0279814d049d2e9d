//! The two languages every respondent and manager page speaks.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    ZhCn,
}

impl Locale {
    /// `en` or `zh-CN` (case-insensitive).
    pub fn parse(raw: &str) -> Result<Locale, String> {
        match raw.to_ascii_lowercase().as_str() {
            "en" => Ok(Locale::En),
            "zh-cn" => Ok(Locale::ZhCn),
            _ => Err(format!("locale {raw:?} is not supported: use \"en\" or \"zh-CN\"")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The first supported language of an `Accept-Language` header, by preference.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut ranked: Vec<(f32, Locale)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim().to_ascii_lowercase();
                let q =
                    pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
                let locale = if tag == "zh" || tag.starts_with("zh-") {
                    Locale::ZhCn
                } else if tag == "en" || tag.starts_with("en-") {
                    Locale::En
                } else {
                    return None;
                };
                (q > 0.0).then_some((q, locale))
            })
            .collect();
        // Stable sort keeps the header's order among equal weights.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, l)| *l)
    }

    /// A stored locale first, then the browser's, then English.
    pub fn choose(stored: Option<&str>, accept_language: Option<&str>) -> Locale {
        stored
            .and_then(|s| Locale::parse(s).ok())
            .or_else(|| accept_language.and_then(Locale::from_accept_language))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_two_locales() {
        assert_eq!(Locale::parse("zh-CN").unwrap(), Locale::ZhCn);
        assert_eq!(Locale::parse("EN").unwrap(), Locale::En);
        assert!(Locale::parse("fr").is_err());
    }

    #[test]
    fn accept_language_honours_weights() {
        assert_eq!(Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("en;q=0.5, zh-TW;q=0.9"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("fr-FR, en-GB;q=0.3"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("fr"), None);
    }

    #[test]
    fn stored_locale_wins() {
        assert_eq!(Locale::choose(Some("zh-CN"), Some("en")), Locale::ZhCn);
        assert_eq!(Locale::choose(None, Some("zh")), Locale::ZhCn);
        assert_eq!(Locale::choose(None, None), Locale::En);
    }
}
