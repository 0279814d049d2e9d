//! What an API key may do (CONTRACT §3): `admin` everything, `scores` read scores and progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Admin,
    Scores,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Admin => "admin",
            Scope::Scores => "scores",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "admin" => Some(Scope::Admin),
            "scores" => Some(Scope::Scores),
            _ => None,
        }
    }
}
