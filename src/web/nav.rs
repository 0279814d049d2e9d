//! The bar at the top of every signed-in page: who is signed in, their way to the other
//! language and to sign out. Shared by the dashboard, the admin pages and the respondent's own.
use crate::app::accounts::Viewer;
use crate::i18n::DashText;

pub struct Nav {
    pub name: String,
    pub is_admin: bool,
    /// Managers and admins have a team to look at; others' home is their own.
    pub show_team: bool,
    pub csrf: String,
    pub lang_link: String,
}

pub fn nav(viewer: &Viewer, t: &DashText, here: &str) -> Nav {
    let sep = if here.contains('?') { '&' } else { '?' };
    Nav {
        name: viewer.name.clone(),
        is_admin: viewer.is_admin,
        show_team: viewer.is_admin || viewer.manages,
        csrf: viewer.csrf.clone(),
        lang_link: format!("{here}{sep}lang={}", t.other_lang),
    }
}
