//! Accounts: sign-in links, sessions, admins, and customers' unsubscribe links.
use super::audit::{self, Actor, AuditAction, Target};
use super::{App, Error, Result};
use crate::db::{links, sessions};
use crate::domain::{EmailAddress, Token, time};

pub use crate::domain::viewer::Viewer;

/// How long a session lasts, in seconds: the cookie's `Max-Age`.
pub const SESSION_SECONDS: i64 = crate::db::sessions::SESSION_SECONDS;

/// Queues a sign-in email when the address belongs to a person (at most a few per quarter
/// hour); says nothing either way, and takes the same path either way.
/// `to_me`: the link leads to `/me` rather than the dashboard.
#[tracing::instrument(skip_all)]
pub async fn request_login_link(app: &App, raw_email: &str, to_me: bool) -> Result<()> {
    let email = EmailAddress::parse(raw_email).map(|e| e.as_str().to_string()).unwrap_or_default();
    let next = to_me.then_some("me");
    if sessions::queue_login_if_known(&app.db, &email, next, time::now()).await? {
        app.wake_outbox();
    }
    Ok(())
}

/// A sign-in link for the CLI (`candor login-link`); `admin` makes (or creates) an admin.
pub async fn login_link(app: &App, email: &EmailAddress, admin: bool) -> Result<(String, String)> {
    let person = if admin {
        let id = sessions::ensure_admin(&app.db, email.as_str()).await?;
        // The CLI is the only way to grant admin rights: recorded as its own.
        audit::write_alone(app, &Actor::Cli, AuditAction::GrantAdmin, Target::Person(&id), "").await?;
        id
    } else {
        match sessions::person_by_email(&app.db, email.as_str()).await? {
            Some((id, _, true)) => id,
            Some((_, _, false)) => {
                return Err(Error::conflict(
                    "inactive_person",
                    "this person has left (active: false) and cannot sign in",
                ));
            }
            None => {
                return Err(Error::conflict(
                    "unknown_person",
                    "no person has this email address (use --admin to create an admin)",
                ));
            }
        }
    };
    let token = sessions::mint_login_link(&app.db, &person).await?;
    Ok((person, format!("{}/login/{}", app.config.public_base(), token.as_str())))
}

/// Whether a login link is live (unused, unexpired); GET shows the button only then.
pub async fn login_link_is_live(app: &App, raw: &str) -> Result<bool> {
    match Token::parse(raw) {
        Some(token) => Ok(sessions::login_link_is_live(&app.db, &token).await?),
        None => Ok(false),
    }
}

/// Consumes a login link and opens a session; returns the session token, once.
#[tracing::instrument(skip_all)]
pub async fn sign_in(app: &App, raw: &str) -> Result<Option<Token>> {
    match Token::parse(raw) {
        Some(token) => Ok(sessions::sign_in(&app.db, &token).await?),
        None => Ok(None),
    }
}

/// A person's name, if they exist.
pub async fn name_of(app: &App, person: &str) -> Result<Option<String>> {
    Ok(sessions::contact(&app.db, person).await?.map(|(name, ..)| name))
}

pub async fn viewer(app: &App, session: &Token) -> Result<Option<Viewer>> {
    Ok(sessions::viewer(&app.db, session).await?)
}

pub async fn sign_out(app: &App, session: &Token) -> Result<()> {
    Ok(sessions::sign_out(&app.db, session).await?)
}

/// The customer address behind an unsubscribe link.
pub async fn unsubscribe_target(app: &App, token: &Token) -> Result<Option<String>> {
    Ok(links::unsubscribe_target(&app.db.pool, &token.hash()).await?.map(|(_, email)| email))
}

/// No further email goes to this address.
pub async fn unsubscribe(app: &App, email: &str) -> Result<()> {
    links::suppress(&app.db.pool, email, time::now()).await?;
    tracing::info!("address unsubscribed");
    Ok(())
}

/// (id, name, email) of everyone with admin rights.
pub async fn admins(app: &App) -> Result<Vec<(String, String, String)>> {
    Ok(sessions::admins(&app.db).await?)
}

/// Removes someone's admin rights (never your own).
pub async fn remove_admin(app: &App, actor: &Actor, by: &str, person: &str) -> Result<()> {
    if by == person {
        return Err(Error::invalid("own_admin_rights", "you cannot remove your own admin rights; ask another admin"));
    }
    let mut tx = app.db.begin().await?;
    if !sessions::remove_admin(&mut tx, person).await? {
        return Err(Error::not_found("admin", person));
    }
    audit::write(&mut tx, actor, AuditAction::RemoveAdmin, Target::Person(person), "").await?;
    tx.commit().await?;
    tracing::info!(person, "admin rights removed");
    Ok(())
}

/// Signs a person out everywhere: every session of theirs ends now.
pub async fn end_sessions(app: &App, actor: &Actor, person: &str) -> Result<u64> {
    let mut tx = app.db.begin().await?;
    let n = sessions::end_sessions(&mut tx, person).await?;
    audit::write(&mut tx, actor, AuditAction::SignOut, Target::Person(person), &format!("{n} session(s) ended"))
        .await?;
    tx.commit().await?;
    tracing::info!(person, sessions = n, "sessions ended");
    Ok(n)
}

/// Signs out everywhere the person this address belongs to; returns their id.
pub async fn end_sessions_of(app: &App, actor: &Actor, email: &str) -> Result<String> {
    let address = EmailAddress::parse(email).map_err(|e| Error::invalid("invalid_email", e))?;
    let Some((id, ..)) = sessions::person_by_email(&app.db, address.as_str()).await? else {
        return Err(Error::conflict("unknown_person", "no person has this email address"));
    };
    end_sessions(app, actor, &id).await?;
    Ok(id)
}
