//! Creating a tenant with its owner: public registration, OIDC sign-up and (through
//! flows::first_run) the installation's first platform administrator. All use the two-phase protocol of spec §2.2.1 inside ONE transaction, so a failure at any
//! step leaves neither tenant nor user behind.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::client::ClientInfo;
use crate::api::{RegisterRequest, TokenResponse};
use crate::domain::password::Hasher;
use crate::domain::throttle::{self, Scope};
use crate::domain::tokens::{now_ms, random_secret};
use crate::domain::validate::slugify;
use crate::flows::session;
use crate::flows::waitlist;
use crate::store::users::User;
use crate::store::{tenants, users};

pub struct NewAccount {
    pub email: String,
    pub password: Option<String>,
    pub display_name: Option<String>,
    pub tenant_name: Option<String>,
    pub tenant_slug: Option<String>,
}

/// How many generated slugs to try before giving up (each retry adds random characters).
const SLUG_ATTEMPTS: usize = 5;

/// `POST /v1/auth/register`: open while `REGISTRATION_ENABLED`, or for the email of a waitlist
/// invitation.
pub async fn register(
    app: &AppState,
    req: RegisterRequest,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let invite = req.invite_token;
    if !app.config.registration_enabled && invite.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "registration_disabled",
            "public registration is disabled on this installation",
        ));
    }
    if let Some(ip) = client.ip {
        let bucket = throttle::bucket(ip);
        throttle::admit(
            &app.platform,
            Scope::Register,
            &bucket,
            app.config.register_limit(),
        )
        .await?;
    }
    let account = NewAccount {
        email: req.email,
        password: Some(req.password),
        display_name: req.display_name,
        tenant_name: req.tenant_name,
        tenant_slug: req.tenant_slug,
    };
    create_inner(app, account, client, invite.as_deref()).await
}

pub async fn create(
    app: &AppState,
    account: NewAccount,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    create_inner(app, account, client, None).await
}

/// With `invite`, the waitlist invitation is used up in the same transaction as the account.
async fn create_inner(
    app: &AppState,
    account: NewAccount,
    client: &ClientInfo,
    invite: Option<&str>,
) -> Result<TokenResponse, ApiError> {
    let email = account.email.trim().to_lowercase();
    if let Some(token) = invite {
        // Before argon2: a bad token must not cost a password hash.
        waitlist::check_invite(app, token, &email).await?;
    }
    let owner = hash_owner(&app.signup_hasher, account, false).await?;
    let tenant = TenantId::generate();
    let mut tx = TenantTx::begin(app.platform.db.pool(), &tenant).await?;
    let now = now_ms();
    let user = insert_owner(&mut tx, &owner, now).await?;
    if let Some(token) = invite {
        waitlist::redeem(&mut tx, token, &email, now).await?;
    }
    let tokens = session::issue(app, &mut tx, &user, client, None).await?;
    tx.commit().await?;
    tracing::info!(tenant = %tenant, user = %user.id, "tenant created");
    Ok(tokens)
}

/// An account ready to insert: normalised names and the password already hashed.
pub struct Owner {
    pub email: String,
    pub password_hash: Option<String>,
    pub display_name: String,
    pub tenant_name: String,
    pub tenant_slug: Option<String>,
    pub platform_admin: bool,
}

/// Normalises the names (defaults from the email) and hashes the password on the argon2 pool.
pub async fn hash_owner(
    hasher: &Hasher,
    account: NewAccount,
    platform_admin: bool,
) -> Result<Owner, ApiError> {
    let email = account.email.trim().to_lowercase();
    let password_hash = match account.password {
        Some(p) => Some(hasher.hash(p).await?),
        None => None,
    };
    let local = email.split('@').next().unwrap_or("team").to_owned();
    let display_name = account
        .display_name
        .map(|n| n.trim().to_owned())
        .unwrap_or(local);
    let tenant_name = account
        .tenant_name
        .map(|n| n.trim().to_owned())
        .unwrap_or_else(|| display_name.clone());
    Ok(Owner {
        email,
        password_hash,
        display_name,
        tenant_name,
        tenant_slug: account.tenant_slug,
        platform_admin,
    })
}

/// The tenant of `tx` with `owner` as its owner and administrator (phases 1-3 of spec §2.2.1).
pub async fn insert_owner(tx: &mut TenantTx, owner: &Owner, now: i64) -> Result<User, ApiError> {
    // Phase 1: the tenant, owner unknown.
    insert_tenant(tx, &owner.tenant_name, owner.tenant_slug.as_deref(), now).await?;
    // Phase 2: its first user.
    let user = users::insert(
        tx,
        &users::NewUser {
            email: &owner.email,
            display_name: Some(&owner.display_name),
            password_hash: owner.password_hash.as_deref(),
            is_admin: true,
            platform_admin: owner.platform_admin,
        },
        now,
    )
    .await?;
    let user_id =
        shared_schemas::ids::UserId::parse(user.id.as_str()).map_err(ApiError::internal)?;
    // Phase 3: the owner; the deferred foreign key checks it belongs to this tenant at commit.
    tenants::set_owner(tx, &user_id, now).await?;
    Ok(user)
}

pub fn setup_done() -> ApiError {
    ApiError::conflict("setup_complete", "setup has already been completed")
}

async fn insert_tenant(
    tx: &mut TenantTx,
    name: &str,
    requested: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    if let Some(slug) = requested {
        return match tenants::insert(tx, name, slug, now).await? {
            true => Ok(()),
            false => Err(tenants::slug_taken()),
        };
    }
    let base = slugify(name);
    for attempt in 0..SLUG_ATTEMPTS {
        let slug = if attempt == 0 {
            base.clone()
        } else {
            format!("{base}-{}", &random_secret("")[..6])
        };
        if tenants::insert(tx, name, &slug, now).await? {
            return Ok(());
        }
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "no free slug for {base}"
    )))
}
