//! What a refusal says on a page, by its `code`: one sentence in English and one in Simplified
//! Chinese for every code the use cases (and the pages themselves) build, keyed
//! `error-<code>` in `locales/*/errors.ftl` (`_` written `-`). The English `message` of an
//! error is for the API and the logs; a page shows this sentence, and the row or value the
//! error names.
use super::bundle::{Msg, fill, text};
use crate::domain::Locale;

/// The sentence for `code`, if it has one.
pub fn error_text(locale: Locale, code: &str) -> Option<&'static str> {
    text(locale, &format!("error-{}", code.replace('_', "-")))
}

/// What a page says for an error with this code, naming the value it is about (an id, a
/// period) when there is one.
pub fn refusal(locale: Locale, code: &str, value: Option<&str>) -> String {
    // The sentence for a code without one of its own (never for a code built in the code
    // base: a test checks that).
    let sentence = error_text(locale, code).unwrap_or_else(|| text(locale, "refusal-other").unwrap_or_default());
    match value {
        None => sentence.to_string(),
        Some(v) => format!("{v}{}{sentence}", super::colon(locale)),
    }
}

/// The same for one row of a request or a file: `row` counts from 1, as the page shows rows.
pub fn row_refusal(locale: Locale, row: usize, id: &str, code: &str) -> String {
    let sentence = refusal(locale, code, None);
    let row = row.to_string();
    let label = match id.is_empty() {
        true => fill(Msg::new(locale, "refusal-row"), &[("row", &row)]),
        false => fill(Msg::new(locale, "refusal-row-id"), &[("row", &row), ("id", id)]),
    };
    format!("{label}{}{sentence}", super::colon(locale))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sentence of errors.ftl is there in both languages (the parity test), and the
    /// Chinese one is Chinese.
    #[test]
    fn every_chinese_sentence_is_chinese() {
        let zh = super::super::bundle::files(Locale::ZhCn)[8];
        for line in zh.lines().filter(|l| l.starts_with("error-")) {
            assert!(line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{line}");
        }
    }

    #[test]
    fn a_refusal_names_its_value_and_its_row() {
        assert_eq!(
            refusal(Locale::En, "cycle_closed", Some("Q4")),
            "Q4: This cycle is closed and can no longer change."
        );
        assert_eq!(refusal(Locale::ZhCn, "cycle_closed", None), "此周期已结束，无法再更改。");
        assert_eq!(row_refusal(Locale::ZhCn, 3, "E1", "unknown_manager"), "第 3 行（E1）：没有人员使用此上级编号。");
        assert_eq!(refusal(Locale::En, "no_such_code", None), "This cannot be done as it stands.");
        assert_eq!(row_refusal(Locale::En, 2, "", "invalid_email"), "Row 2: This is not a valid email address.");
    }

    /// `(code, "invalid" | "conflict", file)` for every `invalid("code"` and `conflict("code"`
    /// (`Error::…`, `RowProblem::…`, with up to two arguments before the code) under `dir`.
    fn built_codes(dir: &std::path::Path, out: &mut Vec<(String, &'static str, String)>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                built_codes(&path, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
            for kind in ["invalid", "conflict"] {
                let call = format!("{kind}(");
                for (i, _) in code.match_indices(&call) {
                    if code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &code[i + call.len()..];
                    let Some(quote) = rest.find('"') else { continue };
                    let before = &rest[..quote];
                    if before.matches(',').count() > 2 || before.contains(['(', ')', '{', '}', ';']) {
                        continue;
                    }
                    let literal: String = rest[quote + 1..].chars().take_while(|c| *c != '"').collect();
                    if !literal.is_empty() && literal.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
                        out.push((literal, kind, path.display().to_string()));
                    }
                }
            }
        }
    }

    /// Every code the use cases (and the pages) build has both sentences, and one kind wherever
    /// it is built: a page never falls back to a sentence that says nothing.
    #[test]
    fn every_code_built_in_app_and_web_is_translated_and_of_one_kind() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut built = Vec::new();
        for layer in ["app", "web", "api"] {
            built_codes(&src.join(layer), &mut built);
        }
        let codes: std::collections::BTreeSet<&str> = built.iter().map(|(c, ..)| c.as_str()).collect();
        assert!(codes.len() > 50, "the scan found only {codes:?}");
        let mut broken = Vec::new();
        for (code, _, file) in built.iter().filter(|(_, _, f)| !f.contains("/src/api/")) {
            for locale in [Locale::En, Locale::ZhCn] {
                if error_text(locale, code).is_none() {
                    broken.push(format!("{code} ({file}) has no {} sentence in locales/*/errors.ftl", locale.as_str()));
                }
            }
        }
        for code in &codes {
            let kinds: std::collections::BTreeSet<&str> =
                built.iter().filter(|(c, ..)| c == code).map(|(_, k, _)| *k).collect();
            if kinds.len() > 1 {
                broken.push(format!("{code} is built both as invalid and as conflict"));
            }
        }
        broken.dedup();
        assert!(broken.is_empty(), "{}", broken.join("\n"));
    }
}
