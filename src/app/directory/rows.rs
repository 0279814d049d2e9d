//! A row of a directory import as the caller sends it, and what is wrong with it on its own
//! (shape, address, locale…), before anything is compared with what is stored.
use crate::app::{Error, Result, RowProblem};
use crate::domain::directory::{Customer as CustomerRow, Person as PersonRow};
use crate::domain::id::{parse_label, parse_name};
use crate::domain::{EmailAddress, ExternalId, Locale};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[schema(schema_with = crate::domain::shapes::id)]
    pub id: String,
    #[schema(schema_with = crate::domain::shapes::name)]
    pub name: String,
    #[schema(schema_with = crate::domain::shapes::email)]
    pub email: String,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_id)]
    pub manager: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_team)]
    pub team: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_locale)]
    pub locale: Option<String>,
    /// A snake_case label such as `sales` or `sales_manager`: cycles may weigh by it.
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_snake)]
    pub role: Option<String>,
    /// False for someone who left: never a subject or rater of new invitations, their open
    /// invitations are revoked and their sessions ended; their history stays. Default true.
    #[serde(default)]
    pub active: Option<bool>,
}

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    #[schema(schema_with = crate::domain::shapes::id)]
    pub id: String,
    #[schema(schema_with = crate::domain::shapes::name)]
    pub name: String,
    /// Optional: a customer without one is reached by phone and never emailed.
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_email)]
    pub email: Option<String>,
    /// Digits, spaces and `+ - ( ) .`, 5 to 30 characters.
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_phone)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_id)]
    pub owner: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_locale)]
    pub locale: Option<String>,
}

fn parse_locale(i: usize, id: &str, raw: Option<&str>) -> Result<Option<String>, RowProblem> {
    raw.map(|l| Locale::parse(l).map(|l| l.as_str().to_string()))
        .transpose()
        .map_err(|e| RowProblem::invalid(i, id, "invalid_locale", e))
}

fn optional_id(raw: Option<&str>) -> Result<Option<String>, String> {
    raw.map(|m| ExternalId::parse(m).map(ExternalId::into_string)).transpose()
}

pub(super) fn parse_person(i: usize, p: &PersonInput) -> Result<PersonRow, RowProblem> {
    let id = ExternalId::parse(&p.id).map_err(|e| RowProblem::invalid(i, &p.id, "invalid_id", e))?;
    let manager_id = optional_id(p.manager.as_deref()).map_err(|e| RowProblem::invalid(i, &p.id, "invalid_id", e))?;
    let team = p
        .team
        .as_deref()
        .map(|t| parse_label(t, "team", 100))
        .transpose()
        .map_err(|e| RowProblem::invalid(i, &p.id, "invalid_team", e))?;
    Ok(PersonRow {
        name: parse_name(&p.name, "name").map_err(|e| RowProblem::invalid(i, &p.id, "invalid_name", e))?,
        email: EmailAddress::parse(&p.email)
            .map_err(|e| RowProblem::invalid(i, &p.id, "invalid_email", e))?
            .as_str()
            .to_string(),
        manager_id,
        team,
        locale: parse_locale(i, &p.id, p.locale.as_deref())?,
        role: p
            .role
            .as_deref()
            .map(crate::domain::survey::parse_indicator)
            .transpose()
            .map_err(|e| RowProblem::invalid(i, &p.id, "invalid_role", e.replace("indicator", "role")))?,
        active: p.active.unwrap_or(true),
        id: id.into_string(),
    })
}

/// A phone number as people write them; stored as given, trimmed.
fn parse_phone(raw: &str) -> Result<String, String> {
    let phone = raw.trim();
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if (5..=30).contains(&phone.len()) && phone.chars().all(allowed) && digits >= 5 {
        Ok(phone.to_string())
    } else {
        Err(format!("phone {raw:?} is not a phone number (digits, spaces and + - ( ) ., 5 to 30 characters)"))
    }
}

pub(super) fn parse_customer(i: usize, c: &CustomerInput) -> Result<CustomerRow, RowProblem> {
    let id = ExternalId::parse(&c.id).map_err(|e| RowProblem::invalid(i, &c.id, "invalid_id", e))?;
    let owner_id = optional_id(c.owner.as_deref()).map_err(|e| RowProblem::invalid(i, &c.id, "invalid_id", e))?;
    // None is none; an empty string is no address or number, refused like any other (a CSV
    // cell left empty reads as None).
    let email = c
        .email
        .as_deref()
        .map(|e| EmailAddress::parse(e).map(|e| e.as_str().to_string()))
        .transpose()
        .map_err(|e| RowProblem::invalid(i, &c.id, "invalid_email", e))?;
    let phone = c
        .phone
        .as_deref()
        .map(parse_phone)
        .transpose()
        .map_err(|e| RowProblem::invalid(i, &c.id, "invalid_phone", e))?;
    if email.is_none() && phone.is_none() {
        return Err(RowProblem::invalid(i, &c.id, "no_contact", "a customer needs an email address or a phone number"));
    }
    Ok(CustomerRow {
        name: parse_name(&c.name, "name").map_err(|e| RowProblem::invalid(i, &c.id, "invalid_name", e))?,
        email,
        phone,
        owner_id,
        locale: parse_locale(i, &c.id, c.locale.as_deref())?,
        id: id.into_string(),
    })
}

/// Parses every row; all problems, or all rows.
pub(super) fn parse_all<I, R>(input: &[I], parse: impl Fn(usize, &I) -> Result<R, RowProblem>) -> Result<Vec<R>> {
    let (mut rows, mut problems) = (Vec::with_capacity(input.len()), Vec::new());
    for (i, item) in input.iter().enumerate() {
        match parse(i, item) {
            Ok(r) => rows.push(r),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() { Ok(rows) } else { Err(Error::rows(problems)) }
}

/// Every row's own problems (shape, email, locale…), for a preview that lists them all.
pub fn people_problems(rows: &[PersonInput]) -> Vec<RowProblem> {
    rows.iter().enumerate().filter_map(|(i, p)| parse_person(i, p).err()).collect()
}

pub fn customer_problems(rows: &[CustomerInput]) -> Vec<RowProblem> {
    rows.iter().enumerate().filter_map(|(i, c)| parse_customer(i, c).err()).collect()
}
