//! The audit log (CONTRACT §9 trust, §10): every change made through the API, the admin pages,
//! SCIM or the CLI, with who made it (a person, an API key by name, the CLI, the server), when,
//! what ([`AuditAction`], one name whichever transport asked) and to what ([`Target`]) — counts
//! and ids, never an answer or who gave one. Each use case writes its entry inside the
//! transaction that makes the change ([`write`]): both are stored, or neither.
use super::{App, Result};
use crate::db::{Tx, audit};
use crate::domain::time;

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    /// `person`, `api_key`, `cli` or `system`.
    pub actor_kind: String,
    /// A person's id, an API key's name, or `cli` / `system`.
    pub actor: String,
    pub action: String,
    pub cycle: Option<String>,
    /// What was changed: `person E1001`, `key 3f2a…`, `cycle 2026-Q4`, `people` (a batch).
    pub target: String,
    pub detail: String,
}

impl From<audit::AuditEntry> for AuditEntry {
    fn from(e: audit::AuditEntry) -> AuditEntry {
        let audit::AuditEntry { id, at_secs: _, at, actor_kind, actor, action, cycle, target, detail } = e;
        AuditEntry { id, at, actor_kind, actor, action, cycle, target, detail }
    }
}

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Person(String),
    ApiKey(String),
    Cli,
    /// The server itself (the worker's retention sweep).
    System,
}

impl Actor {
    fn parts(&self) -> (&str, &str) {
        match self {
            Actor::Person(id) => ("person", id),
            Actor::ApiKey(name) => ("api_key", name),
            Actor::Cli => ("cli", "cli"),
            Actor::System => ("system", "worker"),
        }
    }
}

/// Every kind of change the log records, one name each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    ImportPeople,
    ImportCustomers,
    EmailChanged,
    Deactivated,
    EditPerson,
    SaveSurvey,
    SaveCycle,
    CloseCycle,
    SetWeightsByRole,
    CreateInvitations,
    Launch,
    Remind,
    RemindPerson,
    RevokeInvitations,
    ReissueInvitations,
    ApproveNominations,
    ShareFeedback,
    CreateApiKey,
    RevokeApiKey,
    GrantAdmin,
    RemoveAdmin,
    SignOut,
    CreateWebhook,
    DeleteWebhook,
    TestWebhook,
    SaveSchedule,
    DeleteSchedule,
    ExportPerson,
    ExportCustomer,
    EraseCustomer,
    RetentionSweep,
    ScimCreatePerson,
    ScimReplacePerson,
    ScimPatchPerson,
    ScimDeactivatePerson,
}

impl AuditAction {
    /// Every action, for what must name each one (the pages' words).
    pub const ALL: [AuditAction; 35] = {
        use AuditAction as A;
        [
            A::ImportPeople,
            A::ImportCustomers,
            A::EmailChanged,
            A::Deactivated,
            A::EditPerson,
            A::SaveSurvey,
            A::SaveCycle,
            A::CloseCycle,
            A::SetWeightsByRole,
            A::CreateInvitations,
            A::Launch,
            A::Remind,
            A::RemindPerson,
            A::RevokeInvitations,
            A::ReissueInvitations,
            A::ApproveNominations,
            A::ShareFeedback,
            A::CreateApiKey,
            A::RevokeApiKey,
            A::GrantAdmin,
            A::RemoveAdmin,
            A::SignOut,
            A::CreateWebhook,
            A::DeleteWebhook,
            A::TestWebhook,
            A::SaveSchedule,
            A::DeleteSchedule,
            A::ExportPerson,
            A::ExportCustomer,
            A::EraseCustomer,
            A::RetentionSweep,
            A::ScimCreatePerson,
            A::ScimReplacePerson,
            A::ScimPatchPerson,
            A::ScimDeactivatePerson,
        ]
    };

    pub fn as_str(self) -> &'static str {
        use AuditAction as A;
        match self {
            A::ImportPeople => "import_people",
            A::ImportCustomers => "import_customers",
            A::EmailChanged => "email_changed",
            A::Deactivated => "deactivated",
            A::EditPerson => "edit_person",
            A::SaveSurvey => "save_survey",
            A::SaveCycle => "save_cycle",
            A::CloseCycle => "close_cycle",
            A::SetWeightsByRole => "set_weights_by_role",
            A::CreateInvitations => "create_invitations",
            A::Launch => "launch",
            A::Remind => "remind",
            A::RemindPerson => "remind_person",
            A::RevokeInvitations => "revoke_invitations",
            A::ReissueInvitations => "reissue_invitations",
            A::ApproveNominations => "approve_nominations",
            A::ShareFeedback => "share_feedback",
            A::CreateApiKey => "create_api_key",
            A::RevokeApiKey => "revoke_api_key",
            A::GrantAdmin => "grant_admin",
            A::RemoveAdmin => "remove_admin",
            A::SignOut => "sign_out",
            A::CreateWebhook => "create_webhook",
            A::DeleteWebhook => "delete_webhook",
            A::TestWebhook => "test_webhook",
            A::SaveSchedule => "save_schedule",
            A::DeleteSchedule => "delete_schedule",
            A::ExportPerson => "export_person",
            A::ExportCustomer => "export_customer",
            A::EraseCustomer => "erase_customer",
            A::RetentionSweep => "retention_sweep",
            A::ScimCreatePerson => "scim_create_person",
            A::ScimReplacePerson => "scim_replace_person",
            A::ScimPatchPerson => "scim_patch_person",
            A::ScimDeactivatePerson => "scim_deactivate_person",
        }
    }
}

/// What a change was made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Person(&'a str),
    Customer(&'a str),
    Key(&'a str),
    Cycle(&'a str),
    Survey(&'a str),
    Webhook(&'a str),
    Schedule(&'a str),
    /// An import of people or customers (its detail names the ids).
    People,
    Customers,
}

impl std::fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Person(id) => write!(f, "person {id}"),
            Target::Customer(id) => write!(f, "customer {id}"),
            Target::Key(id) => write!(f, "key {id}"),
            Target::Cycle(id) => write!(f, "cycle {id}"),
            Target::Survey(id) => write!(f, "survey {id}"),
            Target::Webhook(id) => write!(f, "webhook {id}"),
            Target::Schedule(id) => write!(f, "schedule {id}"),
            Target::People => f.write_str("people"),
            Target::Customers => f.write_str("customers"),
        }
    }
}

/// One change, written inside the transaction that makes it.
pub async fn write(tx: &mut Tx, actor: &Actor, action: AuditAction, target: Target<'_>, detail: &str) -> Result<()> {
    let cycle = match target {
        Target::Cycle(c) => Some(c),
        _ => None,
    };
    write_in_cycle(tx, actor, action, target, cycle, detail).await
}

/// [`write`] for a change to something inside a cycle (a person's reminder, say).
pub async fn write_in_cycle(
    tx: &mut Tx,
    actor: &Actor,
    action: AuditAction,
    target: Target<'_>,
    cycle: Option<&str>,
    detail: &str,
) -> Result<()> {
    let target = target.to_string();
    let entry = audit::NewEntry { actor: actor.parts(), action: action.as_str(), cycle, target: &target, detail };
    Ok(audit::insert(&mut **tx, &entry, time::now()).await?)
}

/// A change that touches nothing else in the database (an export): its entry in a
/// transaction of its own.
pub async fn write_alone(
    app: &App,
    actor: &Actor,
    action: AuditAction,
    target: Target<'_>,
    detail: &str,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    write(&mut tx, actor, action, target, detail).await?;
    Ok(tx.commit().await?)
}

/// A page of entries, newest first (`before`: the last id of the previous page).
pub async fn page(app: &App, cycle: Option<&str>, before: Option<i64>, limit: Option<i64>) -> Result<Vec<AuditEntry>> {
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(super::Error::invalid("invalid_limit", "limit is 1 to 1000"));
    }
    Ok(audit::page(&app.db.pool, cycle, before, limit).await?.into_iter().map(AuditEntry::from).collect())
}
