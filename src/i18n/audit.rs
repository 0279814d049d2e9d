//! The audit log as a 中文 page reads it: each action's name, the kind of thing it names, and
//! who did it (`locales/*/audit.ftl`). English pages show the stored names (`revoke invitations`);
//! the API always does.
use super::bundle::{Msg, fill, text};
use crate::domain::Locale;

/// An action's name for `locale`; a name this version does not know is shown as stored.
pub fn action(locale: Locale, name: &str) -> String {
    text(locale, &format!("audit-action-{}", name.replace('_', "-")))
        .map_or_else(|| name.replace('_', " "), str::to_string)
}

/// What an entry names (`person E1001`, `people`), its kind in `locale`'s words.
pub fn target(locale: Locale, stored: &str) -> String {
    let (kind, rest) = stored.split_once(' ').unwrap_or((stored, ""));
    let Some(word) = text(locale, &format!("audit-target-{kind}")) else { return stored.to_string() };
    if rest.is_empty() { word.to_string() } else { format!("{word} {rest}") }
}

/// Who did it: a person's id, an API key's name, the console or the server itself.
pub fn actor(locale: Locale, kind: &str, name: &str) -> String {
    match kind {
        "api_key" => fill(Msg::new(locale, "audit-actor-api-key"), &[("name", name)]),
        "cli" | "system" => text(locale, &format!("audit-actor-{kind}")).unwrap_or(name).to_string(),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_actors_in_chinese() {
        assert_eq!(target(Locale::ZhCn, "person E1001"), "人员 E1001");
        assert_eq!(target(Locale::ZhCn, "people"), "人员");
        assert_eq!(target(Locale::En, "person E1001"), "person E1001");
        assert_eq!(actor(Locale::ZhCn, "api_key", "okta"), "API 密钥 okta");
        assert_eq!(action(Locale::ZhCn, "closed"), "closed", "a name this version does not know");
    }
}
