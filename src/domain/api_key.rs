//! What an API key may do (CONTRACT §3, §11): `admin` everything under `/api/v1`, `scores` read
//! scores and progress, `scim` provision people through `/scim/v2` and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Admin,
    Scores,
    Scim,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Admin => "admin",
            Scope::Scores => "scores",
            Scope::Scim => "scim",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "admin" => Some(Scope::Admin),
            "scores" => Some(Scope::Scores),
            "scim" => Some(Scope::Scim),
            _ => None,
        }
    }
}
