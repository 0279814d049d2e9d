//! Sign-in through the organisation's identity provider with OpenID Connect (CONTRACT §11):
//! the authorization code flow with PKCE, `state` and `nonce` checked, the ID token's
//! signature and claims validated against the provider's published keys, and the provider's
//! verified `email` naming the person. The session it opens is the one a sign-in link opens.
//!
//! Where the flow waits between its start and the callback: its nonce and PKCE verifier are
//! kept in the database, found by the hash of `state`, and taken by one DELETE … RETURNING, so
//! a callback works once on whichever instance it reaches (instances share the database; a
//! signed cookie could be replayed on every one of them until it expired). The browser holds
//! `state` in a short-lived HttpOnly cookie and the callback must present both: a `state`
//! from someone else's browser does not finish a sign-in here (login CSRF).
use super::{App, Result};
use crate::config::OidcSettings;
/// How long a sign-in at the identity provider may take, in seconds.
pub const FLOW_SECONDS: i64 = crate::db::oidc::FLOW_SECONDS;
use crate::db::oidc::{self as flows, Flow};
use crate::db::sessions;
use crate::domain::{EmailAddress, Token, time};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use std::time::Duration;
use subtle::ConstantTimeEq;

/// The configured provider and the HTTP client that talks to it.
pub struct Provider {
    settings: OidcSettings,
    redirect: String,
    http: reqwest::Client,
}

impl Provider {
    /// No redirects followed (a provider's answer is read where it is) and a deadline on
    /// every call, so a slow provider cannot hold a sign-in for ever.
    pub fn new(settings: OidcSettings, public_base: &str) -> Provider {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Provider { settings, redirect: format!("{public_base}/login/oidc/callback"), http }
    }

    /// The name on the button, if the configuration gives one.
    pub fn name(&self) -> Option<&str> {
        self.settings.name.as_deref()
    }

    /// The provider's configuration and keys, read afresh for each sign-in: keys rotate, and
    /// a sign-in is rare enough that two small requests do not matter.
    async fn client(&self) -> std::result::Result<ConfiguredClient, String> {
        let issuer = IssuerUrl::new(self.settings.issuer.as_str().trim_end_matches('/').to_string())
            .map_err(|e| e.to_string())?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| chain(&e))?;
        let redirect = RedirectUrl::new(self.redirect.clone()).map_err(|e| e.to_string())?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }
}

type ConfiguredClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

/// A started sign-in: where to send the browser, and the `state` for its cookie.
pub struct Started {
    pub url: String,
    pub state: String,
}

/// Why a sign-in was refused; no session in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No provider is configured.
    Off,
    /// The provider could not be reached or answered nonsense.
    Unreachable,
    /// The callback's `state` is not the one this browser started with.
    Mismatch,
    /// No sign-in under way has this `state`: it expired, or its callback was used already.
    Expired,
    /// The provider said no (the person cancelled, or is not allowed).
    Declined,
    /// The code, the token or its signature and claims did not check out.
    Unverified,
    /// The provider does not vouch for the address (`email_verified` is not true), or gave none.
    EmailUnverified,
    /// No active person has this address.
    Unknown(String),
}

pub async fn start(app: &App, next: Option<&str>, lang: Option<&str>) -> Result<Result<Started, Refusal>> {
    let Some(provider) = &app.oidc else { return Ok(Err(Refusal::Off)) };
    let client = match provider.client().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "identity provider discovery failed");
            return Ok(Err(Refusal::Unreachable));
        }
    };
    let state = Token::mint();
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let csrf = state.as_str().to_string();
    let (url, _, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, move || CsrfToken::new(csrf), Nonce::new_random)
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let flow = Flow {
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        next: next.filter(|n| *n == "me").map(str::to_string),
        lang: lang.map(str::to_string),
    };
    flows::begin(&app.db, &state.hash(), &flow, time::now()).await?;
    Ok(Ok(Started { url: url.to_string(), state: state.as_str().to_string() }))
}

/// What the provider's redirect carries back.
pub struct Callback<'a> {
    /// The `state` this browser's cookie holds.
    pub cookie_state: Option<&'a str>,
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    /// The provider's `error`, when it refused.
    pub error: Option<&'a str>,
}

/// A finished sign-in: the session and where to go, or why not; with the language of the
/// page the sign-in started from, when it is known.
pub struct Finished {
    pub lang: Option<String>,
    pub outcome: std::result::Result<(Token, Option<String>), Refusal>,
}

pub async fn finish(app: &App, cb: &Callback<'_>) -> Result<Finished> {
    let refused = |r| Ok(Finished { lang: None, outcome: Err(r) });
    let Some(provider) = &app.oidc else { return refused(Refusal::Off) };
    let (Some(state), Some(cookie)) = (cb.state, cb.cookie_state) else { return refused(Refusal::Mismatch) };
    if !bool::from(state.as_bytes().ct_eq(cookie.as_bytes())) {
        return refused(Refusal::Mismatch);
    }
    let Some(state) = Token::parse(state) else { return refused(Refusal::Expired) };
    let Some(flow) = flows::take(&app.db, &state.hash(), time::now()).await? else { return refused(Refusal::Expired) };
    let outcome = match (cb.error, cb.code) {
        (None, Some(code)) => verified_email(provider, &flow, code).await,
        _ => Err(Refusal::Declined),
    };
    let outcome = match outcome {
        Ok(email) => person_session(app, &email).await?.map(|s| (s, flow.next.clone())),
        Err(r) => Err(r),
    };
    Ok(Finished { lang: flow.lang, outcome })
}

/// The code exchanged (with the PKCE verifier), the ID token checked (signature against the
/// provider's keys, issuer, audience, expiry, nonce), and the address the provider vouches
/// for: from the ID token, or from the userinfo endpoint for the same subject.
async fn verified_email(provider: &Provider, flow: &Flow, code: &str) -> std::result::Result<String, Refusal> {
    let unverified = |what: &str, e: String| {
        tracing::warn!(error = %e, "OpenID Connect sign-in refused: {what}");
        Refusal::Unverified
    };
    let client = provider.client().await.map_err(|e| {
        tracing::warn!(error = %e, "identity provider discovery failed");
        Refusal::Unreachable
    })?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| unverified("no token endpoint", e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(&provider.http)
        .await
        .map_err(|e| unverified("the code was not accepted", chain(&e)))?;
    let id_token = tokens.id_token().ok_or_else(|| unverified("no ID token", String::new()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone()))
        .map_err(|e| unverified("the ID token does not verify", chain(&e)))?;
    let (email, verified) = match claims.email() {
        Some(e) => (Some(e.to_string()), claims.email_verified()),
        None => {
            let request = client
                .user_info(tokens.access_token().clone(), Some(claims.subject().clone()))
                .map_err(|e| unverified("no email and no userinfo endpoint", e.to_string()))?;
            let info: CoreUserInfoClaims =
                request.request_async(&provider.http).await.map_err(|e| unverified("userinfo failed", chain(&e)))?;
            (info.email().map(|e| e.to_string()), info.email_verified())
        }
    };
    match (email, verified) {
        (Some(email), Some(true)) => Ok(email),
        _ => Err(Refusal::EmailUnverified),
    }
}

/// A session for the active person this address belongs to (case-insensitive).
async fn person_session(app: &App, email: &str) -> Result<std::result::Result<Token, Refusal>> {
    let Ok(address) = EmailAddress::parse(email) else { return Ok(Err(Refusal::Unknown(email.to_string()))) };
    match sessions::person_by_email(&app.db, address.as_str()).await? {
        Some((id, _, true)) => {
            tracing::info!(person = %id, domain = address.domain(), "signed in through the identity provider");
            Ok(Ok(sessions::open_session(&app.db, &id).await?))
        }
        _ => {
            tracing::info!(domain = address.domain(), "identity provider vouched for an address no active person has");
            Ok(Err(Refusal::Unknown(address.as_str().to_string())))
        }
    }
}
