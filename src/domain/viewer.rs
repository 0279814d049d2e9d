//! Who is signed in, as every page and use case that answers them sees it.

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub person_id: String,
    pub name: String,
    pub email: String,
    pub locale: Option<String>,
    pub is_admin: bool,
    /// Someone active reports to them: their home shows their team.
    pub manages: bool,
    pub csrf: String,
}
