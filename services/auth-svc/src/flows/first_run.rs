//! The installation's first platform administrator: created at start-up from
//! `BOOTSTRAP_ADMIN_*`, or claimed once through `POST /v1/auth/setup` (outside dev mode only with
//! the configured `SETUP_TOKEN`). Both take the same advisory lock and re-check inside it, so two
//! replicas starting at once, or a start-up racing a setup request, create one administrator.

use axum::http::StatusCode;
use kit::ApiError;
use secrecy::{ExposeSecret, SecretString};
use shared_schemas::ids::{TenantId, UserId};
use sqlx::PgPool;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::api::client::ClientInfo;
use crate::api::{SetupRequest, StatusResponse, TokenResponse};
use crate::config::BootstrapAdmin;
use crate::domain::password::Hasher;
use crate::domain::tokens::{now_ms, sha256_hex};
use crate::flows::account::{self, NewAccount, Owner, setup_done};
use crate::flows::session;
use crate::store::users::User;
use crate::store::{installation, oidc};

/// What the sign-in page (and the CLI, before it offers a login) needs to know.
pub async fn status(app: &AppState) -> Result<StatusResponse, ApiError> {
    let pool = app.platform.db.pool();
    Ok(StatusResponse {
        auth_enabled: true,
        setup_complete: installation::current(pool).await?.setup_complete,
        registration_enabled: app.config.registration_enabled,
        oidc_providers: oidc::platform_buttons(&mut *pool.acquire().await?).await?,
    })
}

/// `POST /v1/auth/setup`: the first account becomes platform administrator and owner of a new
/// tenant. Refused once any account exists (as the reference: "only when no users exist").
pub async fn setup(
    app: &AppState,
    req: SetupRequest,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let pool = app.platform.db.pool();
    // Cheap refusals before argon2, so probing a finished install costs nothing.
    if installation::current(pool).await?.setup_complete {
        return Err(setup_done());
    }
    check_setup_token(
        app.platform.config.djb_dev_mode,
        app.config.setup_token.as_ref(),
        req.setup_token.as_deref(),
    )?;
    let account = NewAccount {
        email: req.email,
        password: Some(req.password),
        display_name: req.display_name,
        tenant_name: req.tenant_name,
        tenant_slug: None,
    };
    let owner = account::hash_owner(&app.signup_hasher, account, true).await?;
    let (mut tx, user) = match create_first_admin(pool, &owner, |s| s.setup_complete).await? {
        Some(created) => created,
        None => return Err(setup_done()),
    };
    let tokens = session::issue(app, &mut tx, &user, client, None).await?;
    tx.commit().await?;
    tracing::info!(tenant = %tokens.tenant_id, user = %user.id, "installation set up");
    Ok(tokens)
}

/// Setup is open in dev mode without a token; otherwise it needs the configured one, compared
/// in constant time (hashes first, so the length does not leak either).
fn check_setup_token(
    dev_mode: bool,
    expected: Option<&SecretString>,
    given: Option<&str>,
) -> Result<(), ApiError> {
    let Some(expected) = expected else {
        return if dev_mode {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "setup_disabled",
                "setup over the network is disabled: set SETUP_TOKEN, or create the first \
                 administrator with BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD",
            ))
        };
    };
    let expected = sha256_hex(expected.expose_secret());
    let given = sha256_hex(given.unwrap_or_default());
    if given.as_bytes().ct_eq(expected.as_bytes()).into() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "setup_token_invalid",
            "a valid setupToken (the installation's SETUP_TOKEN) is required",
        ))
    }
}

/// What start-up did about `BOOTSTRAP_ADMIN_*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    Created { tenant: TenantId, user: UserId },
    AlreadyThere,
}

/// Creates the configured platform administrator unless one exists. Never logs the password.
pub async fn bootstrap_admin(
    pool: &PgPool,
    hasher: &Hasher,
    admin: &BootstrapAdmin,
) -> Result<Bootstrap, ApiError> {
    if installation::current(pool).await?.has_platform_admin {
        return Ok(Bootstrap::AlreadyThere);
    }
    let account = NewAccount {
        email: admin.email.clone(),
        password: Some(admin.password.expose_secret().to_owned()),
        display_name: None,
        tenant_name: None,
        tenant_slug: None,
    };
    let owner = account::hash_owner(hasher, account, true).await?;
    let Some((tx, user)) = create_first_admin(pool, &owner, |s| s.has_platform_admin).await? else {
        return Ok(Bootstrap::AlreadyThere);
    };
    tx.commit().await?;
    let tenant = TenantId::parse(user.tenant_id.as_str()).map_err(ApiError::internal)?;
    let user = UserId::parse(user.id.as_str()).map_err(ApiError::internal)?;
    tracing::info!(%tenant, %user, email = %admin.email, "bootstrap platform administrator created");
    Ok(Bootstrap::Created { tenant, user })
}

/// Under the first-run lock: unless `done` says the work is already done, a new tenant owned by
/// `owner` (a platform administrator), the installation recorded. Returns the open transaction
/// so setup can issue a session in it.
async fn create_first_admin(
    pool: &PgPool,
    owner: &Owner,
    done: impl Fn(&installation::State) -> bool,
) -> Result<Option<(kit::db::TenantTx, User)>, ApiError> {
    let mut probe = installation::begin_probe(pool).await?;
    installation::lock_first_run(&mut probe).await?;
    if done(&installation::state(&mut probe).await?) {
        return Ok(None);
    }
    installation::end_probe(&mut probe).await?;
    let mut tx = probe.enter_tenant(&TenantId::generate()).await?;
    let now = now_ms();
    let user = account::insert_owner(&mut tx, owner, now).await?;
    let id = UserId::parse(user.id.as_str()).map_err(ApiError::internal)?;
    // A setup whose account was deleted since has left its record: keep the first one.
    installation::complete(&mut tx, &id, now).await?;
    Ok(Some((tx, user)))
}
