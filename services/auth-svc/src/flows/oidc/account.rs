//! Which account an OIDC identity signs in to (security review H3/H4).
//!
//! 1. The account already linked to `{slug}:{sub}`.
//! 2. Otherwise, if an account has the same email, it is linked only when the provider is a
//!    platform provider that a platform administrator trusts for that email's domain, and the
//!    provider verified the email (`email_verified: true`). Anything else is refused
//!    (`account_conflict`, or `email_not_verified`): an email alone is never proof of owning
//!    an account, and a tenant's provider is configured by administrators who also control
//!    what their identity provider asserts (the owner's email, say).
//! 3. Otherwise a new account: a member of the provider's tenant, or for a platform provider a
//!    new tenant with the user as owner (only while public registration is enabled). A
//!    provider that sends no `email_verified` claim creates accounts only if its
//!    `allowUnverifiedEmail` flag is set.
//!
//! A tenant's provider only ever reaches accounts of that same tenant.

use kit::ApiError;
use kit::db::{LookupTx, TenantTx};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::LoginResponse;
use crate::api::client::ClientInfo;
use crate::domain::oidc::may_link_by_email;
use crate::domain::validate::{self, MAX_NAME};
use crate::flows::account::{self as accounts, NewAccount};
use crate::flows::ensure_tenant_active;
use crate::flows::session;
use crate::store::oidc::Provider;
use crate::store::users::{self, User};

/// What the provider told us about the person.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
}

fn refuse(code: &'static str, detail: &str) -> ApiError {
    ApiError::bad_request(code, detail.to_owned())
}

/// The email the provider claims, normalised, and whether it verified it; or why it cannot be
/// used at all. No claim at all is not verified (review H4), and is accepted only when the
/// provider allows unverified emails (which then only create new accounts).
fn claimed_email(identity: &Identity, provider: &Provider) -> Result<(String, bool), ApiError> {
    let raw = identity.email.as_deref().ok_or_else(|| {
        refuse(
            "email_missing",
            "the provider did not share an email address",
        )
    })?;
    let verified = identity.email_verified == Some(true);
    let tolerated = identity.email_verified.is_none() && provider.allow_unverified_email;
    if !verified && !tolerated {
        return Err(not_verified());
    }
    let mut errors = Vec::new();
    let email = validate::email("email", raw, &mut errors);
    if !errors.is_empty() {
        return Err(refuse(
            "email_invalid",
            "the provider's email address is not valid",
        ));
    }
    Ok((email, verified))
}

fn not_verified() -> ApiError {
    refuse(
        "email_not_verified",
        "the provider has not verified this email",
    )
}

/// A display name from the provider's claims: trimmed, printable, bounded.
fn display_name(identity: &Identity) -> Option<String> {
    let name: String = identity
        .name
        .as_deref()?
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

pub async fn sign_in(
    app: &AppState,
    provider: &Provider,
    identity: Identity,
    client: &ClientInfo,
) -> Result<LoginResponse, ApiError> {
    let subject = format!("{}:{}", provider.slug, identity.subject);
    let pool = app.platform.db.pool();
    let mut lookup = LookupTx::begin(pool, "app.oidc_subject", &subject).await?;
    if let Some(user) = users::find_by_oidc_subject(&mut lookup, &subject).await? {
        return existing(app, lookup, provider, user, &subject, client).await;
    }
    lookup.commit().await?;
    let (email, verified) = claimed_email(&identity, provider)?;
    let mut lookup = LookupTx::begin(pool, "app.login_email", &email).await?;
    if let Some(user) = users::find_by_email(&mut lookup, &email).await? {
        if !verified {
            return Err(not_verified());
        }
        // One linked identity per account: an account linked elsewhere (or to another subject
        // of this provider, i.e. a reassigned address) is not taken over by this one.
        let linkable = user.oidc_subject.is_none()
            && may_link_by_email(
                provider.tenant_id.as_deref(),
                &provider.trusted_email_domains,
                &email,
            );
        if !linkable {
            tracing::info!(provider = %provider.slug, user = %user.id, "OIDC login refused: the email is another account's");
            return Err(refuse(
                "account_conflict",
                "an account with this email exists; sign in to it and link this provider from there",
            ));
        }
        return existing(app, lookup, provider, user, &subject, client).await;
    }
    lookup.commit().await?;
    let name = display_name(&identity);
    match &provider.tenant_id {
        Some(tenant) => join_tenant(app, tenant, &email, name, &subject, client).await,
        None => new_tenant(app, email, name, &subject, client).await,
    }
}

/// Signs in to an account that exists; links the identity if it was found by email.
async fn existing(
    app: &AppState,
    lookup: LookupTx,
    provider: &Provider,
    user: User,
    subject: &str,
    client: &ClientInfo,
) -> Result<LoginResponse, ApiError> {
    if provider
        .tenant_id
        .as_ref()
        .is_some_and(|t| *t != user.tenant_id)
    {
        return Err(refuse(
            "account_conflict",
            "this account belongs to another tenant than the provider",
        ));
    }
    if !user.is_active {
        return Err(refuse("account_disabled", "Account is disabled"));
    }
    let tenant = TenantId::parse(user.tenant_id.as_str()).map_err(ApiError::internal)?;
    let mut tx = lookup.enter_tenant(&tenant).await?;
    ensure_tenant_active(&mut tx).await?;
    if user.oidc_subject.is_none() {
        users::set_oidc_subject(&mut tx, &user.id, subject).await?;
    }
    finish(app, tx, &user, client).await
}

/// Tokens, or the TOTP challenge for accounts with a second factor: an identity provider's
/// login stands for the password, never for the second factor.
async fn finish(
    app: &AppState,
    mut tx: TenantTx,
    user: &User,
    client: &ClientInfo,
) -> Result<LoginResponse, ApiError> {
    if user.totp_enabled {
        tx.commit().await?;
        return Ok(LoginResponse::TotpRequired {
            requires_totp: true,
            pending_token: session::pending_totp_token(app, user)?,
        });
    }
    let tokens = session::issue(app, &mut tx, user, client, None).await?;
    tx.commit().await?;
    Ok(LoginResponse::Tokens(tokens))
}

/// A new member (not an administrator) of the provider's tenant.
async fn join_tenant(
    app: &AppState,
    tenant: &str,
    email: &str,
    name: Option<String>,
    subject: &str,
    client: &ClientInfo,
) -> Result<LoginResponse, ApiError> {
    let tenant = TenantId::parse(tenant).map_err(ApiError::internal)?;
    let mut tx = TenantTx::begin(app.platform.db.pool(), &tenant).await?;
    ensure_tenant_active(&mut tx).await?;
    let local = email.split('@').next().unwrap_or(email);
    let new = users::NewUser {
        email,
        display_name: Some(name.as_deref().unwrap_or(local)),
        password_hash: None,
        is_admin: false,
        platform_admin: false,
    };
    let user = users::insert(&mut tx, &new, crate::domain::tokens::now_ms()).await?;
    users::set_oidc_subject(&mut tx, &user.id, subject).await?;
    tracing::info!(tenant = %tenant, user = %user.id, "OIDC user joined tenant");
    finish(app, tx, &user, client).await
}

/// A new tenant owned by the new user (platform providers), like public registration.
async fn new_tenant(
    app: &AppState,
    email: String,
    name: Option<String>,
    subject: &str,
    client: &ClientInfo,
) -> Result<LoginResponse, ApiError> {
    if !app.config.registration_enabled {
        return Err(refuse(
            "registration_disabled",
            "public registration is disabled on this installation",
        ));
    }
    let account = NewAccount {
        email,
        password: None,
        display_name: name,
        tenant_name: None,
        tenant_slug: None,
    };
    let tokens = accounts::create(app, account, client).await?;
    // Linked in a second transaction (accounts::create commits its own). If that fails the
    // account exists unlinked and the next login by email would be refused (only trusted
    // providers link by email), so the user still gets the tokens and can link from there.
    if let Err(err) = link_new_account(app, &tokens.tenant_id, &tokens.user.id, subject).await {
        tracing::error!(user = %tokens.user.id, error = ?err, "linking a new OIDC account failed");
    }
    Ok(LoginResponse::Tokens(tokens))
}

async fn link_new_account(
    app: &AppState,
    tenant: &str,
    user: &str,
    subject: &str,
) -> Result<(), ApiError> {
    let tenant = TenantId::parse(tenant).map_err(ApiError::internal)?;
    let mut tx = TenantTx::begin(app.platform.db.pool(), &tenant).await?;
    users::set_oidc_subject(&mut tx, user, subject).await?;
    tx.commit().await?;
    Ok(())
}
