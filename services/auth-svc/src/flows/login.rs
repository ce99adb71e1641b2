//! Password login with the throttles and the brute-force guard. Unknown email and wrong
//! password take the same time (argon2 runs either way) and get the same answer. Throttles and
//! locks answer 429 before argon2 runs (review M7).

use kit::ApiError;
use kit::db::LookupTx;
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::client::ClientInfo;
use crate::api::{LoginRequest, LoginResponse};
use crate::domain::lockout::Guard;
use crate::domain::throttle::{self, Scope};
use crate::flows::ensure_tenant_active;
use crate::flows::session;
use crate::store::users;

pub fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("Invalid email or password")
}

pub async fn login(
    app: &AppState,
    req: LoginRequest,
    client: &ClientInfo,
) -> Result<LoginResponse, ApiError> {
    let email = req.email.trim().to_lowercase();
    let guard = Guard::new(&app.platform, &app.config, client.ip, &email);
    let (per_ip, per_account, _) = app.config.login_limits();
    if let Some(ip) = client.ip {
        throttle::admit(&app.platform, Scope::Login, &throttle::bucket(ip), per_ip).await?;
    }
    // From an address the account signed in from, neither the account's throttle nor its lock
    // stops the right password (review L5).
    let known = guard.known_address().await;
    if !known {
        throttle::admit(
            &app.platform,
            Scope::LoginAccount,
            guard.account(),
            per_account,
        )
        .await?;
    }
    guard
        .check_unless(known)
        .await
        .map_err(ApiError::too_many_requests)?;

    let mut lookup = LookupTx::begin(app.platform.db.pool(), "app.login_email", &email).await?;
    let user = users::find_by_email(&mut lookup, &email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = app.hasher.verify(req.password, stored).await?;
    let Some(user) = user.filter(|_| matches) else {
        guard.failed().await;
        if known && let Some(left) = guard.locked_for().await {
            return Err(ApiError::too_many_requests(left));
        }
        return Err(invalid_credentials());
    };
    if !user.is_active {
        return Err(ApiError::unauthorized("Account is disabled"));
    }
    let tenant = TenantId::parse(user.tenant_id.as_str()).map_err(ApiError::internal)?;
    let mut tx = lookup.enter_tenant(&tenant).await?;
    ensure_tenant_active(&mut tx).await?;
    if user.totp_enabled {
        // Failures are cleared only once the second factor passes too: otherwise each correct
        // password would reset the count of wrong codes (see flows/totp_login.rs).
        tx.commit().await?;
        return Ok(LoginResponse::TotpRequired {
            requires_totp: true,
            pending_token: session::pending_totp_token(app, &user)?,
        });
    }
    guard.succeeded().await;
    let tokens = session::issue(app, &mut tx, &user, client, None).await?;
    tx.commit().await?;
    Ok(LoginResponse::Tokens(tokens))
}
