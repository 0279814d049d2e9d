//! The directory's people and customers, as the org chart and the invitations use them.

/// A person of the org chart (or who has left it: `active` false).
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub manager_id: Option<String>,
    pub team: Option<String>,
    pub locale: Option<String>,
    pub role: Option<String>,
    pub active: bool,
}

/// A customer: reached by email, by phone, or both.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: String,
    pub name: String,
    /// None: reached by phone only (stored as '', the column predates optional addresses).
    pub email: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<String>,
    pub locale: Option<String>,
}
