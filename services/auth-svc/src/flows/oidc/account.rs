//! Which account an OIDC identity signs in to.
//!
//! 1. The account already linked to `{slug}:{sub}`.
//! 2. Otherwise the account with the same email, if the provider vouches for it (no
//!    `email_verified: false`); it gets linked.
//! 3. Otherwise a new account: a member of the provider's tenant, or for a platform provider a
//!    new tenant with the user as owner (only while public registration is enabled).
//!
//! A tenant's provider is configured by that tenant's administrators, who also control what
//! their identity provider asserts. Its logins therefore only ever reach accounts of that same
//! tenant: an email or subject that belongs to another tenant is refused, never signed in to.

use kit::ApiError;
use kit::db::{LookupTx, TenantTx};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::LoginResponse;
use crate::api::client::ClientInfo;
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

/// The email to use, normalised, or why there is none we can trust.
fn trusted_email(identity: &Identity) -> Result<String, ApiError> {
    let raw = identity.email.as_deref().ok_or_else(|| {
        refuse(
            "email_missing",
            "the provider did not share an email address",
        )
    })?;
    if identity.email_verified == Some(false) {
        return Err(refuse(
            "email_not_verified",
            "the provider has not verified this email",
        ));
    }
    let mut errors = Vec::new();
    let email = validate::email("email", raw, &mut errors);
    if !errors.is_empty() {
        return Err(refuse(
            "email_invalid",
            "the provider's email address is not valid",
        ));
    }
    Ok(email)
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
    let email = trusted_email(&identity)?;
    let mut lookup = LookupTx::begin(pool, "app.login_email", &email).await?;
    if let Some(user) = users::find_by_email(&mut lookup, &email).await? {
        // The same provider vouching for this email under another subject: the provider
        // reassigned the address; linking it would hand the account to someone else.
        let prefix = format!("{}:", provider.slug);
        if user
            .oidc_subject
            .as_deref()
            .is_some_and(|s| s.starts_with(&prefix))
        {
            return Err(refuse(
                "account_conflict",
                "this email is linked to another identity at this provider",
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
    // Linked in a second transaction: if this fails the account still exists and the next
    // login finds it by its (verified) email and links it then.
    let tenant = TenantId::parse(tokens.tenant_id.as_str()).map_err(ApiError::internal)?;
    let mut tx = TenantTx::begin(app.platform.db.pool(), &tenant).await?;
    users::set_oidc_subject(&mut tx, &tokens.user.id, subject).await?;
    tx.commit().await?;
    Ok(LoginResponse::Tokens(tokens))
}
