//! Postgres: the pool, tenant transactions and migrations.
//!
//! Every tenant table has row-level security keyed on `app.tenant_id`. `TenantTx` sets it with
//! `set_config(..., true)`, which is local to the transaction: safe behind PgBouncer in
//! transaction mode, and gone at commit so a pooled connection never carries a stale tenant.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use shared_schemas::ids::TenantId;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::auth::TenantContext;

pub mod catalog;

/// The migrations of the whole database, in one ordered sequence.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// A lazy pool: the service starts (and reports not-ready) while Postgres is down.
    pub fn connect_lazy(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options);
        Ok(Self { pool })
    }

    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Opens a transaction scoped to the caller's tenant.
    pub async fn begin_tenant(&self, ctx: &TenantContext) -> Result<TenantTx, sqlx::Error> {
        TenantTx::begin(&self.pool, &ctx.tenant_id).await
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("select 1").execute(&self.pool).await.map(drop)
    }
}

/// A transaction in which row-level security sees exactly one tenant.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    tenant: TenantId,
}

impl TenantTx {
    pub async fn begin(pool: &PgPool, tenant: &TenantId) -> Result<Self, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query("select set_config('app.tenant_id', $1, true)")
            .bind(tenant.as_str())
            .execute(&mut *tx)
            .await?;
        Ok(Self {
            tx,
            tenant: tenant.clone(),
        })
    }

    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for TenantTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for TenantTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

/// A transaction that sees rows through one capability setting before any tenant is known:
/// login finds a user only by `app.login_email`, refresh finds a session only by
/// `app.refresh_hash`. Row-level policies grant exactly that (see migrations/README.md), so a
/// lookup can never list other rows; once the row names its tenant, `enter_tenant` narrows the
/// same transaction to it.
pub struct LookupTx {
    tx: Transaction<'static, Postgres>,
}

impl LookupTx {
    /// `setting` must be an `app.*` name a policy checks; `value` is what the caller already holds.
    pub async fn begin(pool: &PgPool, setting: &str, value: &str) -> Result<Self, sqlx::Error> {
        if !setting.starts_with("app.") || setting == "app.tenant_id" {
            return Err(sqlx::Error::Protocol(format!(
                "not a lookup capability: {setting}"
            )));
        }
        let mut tx = pool.begin().await?;
        sqlx::query("select set_config($1, $2, true)")
            .bind(setting)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        Ok(Self { tx })
    }

    /// Continues the same transaction as a tenant transaction.
    pub async fn enter_tenant(mut self, tenant: &TenantId) -> Result<TenantTx, sqlx::Error> {
        sqlx::query("select set_config('app.tenant_id', $1, true)")
            .bind(tenant.as_str())
            .execute(&mut *self.tx)
            .await?;
        Ok(TenantTx {
            tx: self.tx,
            tenant: tenant.clone(),
        })
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for LookupTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for LookupTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

/// The Postgres role of each service, and the env var that may carry its password.
pub const SERVICE_ROLES: &[(&str, &str)] = &[
    ("auth_svc", "AUTH_SVC_DB_PASSWORD"),
    ("agent_svc", "AGENT_SVC_DB_PASSWORD"),
    ("project_svc", "PROJECT_SVC_DB_PASSWORD"),
    ("memory_svc", "MEMORY_SVC_DB_PASSWORD"),
    ("engine_svc", "ENGINE_SVC_DB_PASSWORD"),
    ("sse_relay", "SSE_RELAY_DB_PASSWORD"),
    ("webhook_gw", "WEBHOOK_GW_DB_PASSWORD"),
    ("slack_svc", "SLACK_SVC_DB_PASSWORD"),
    ("mcp_svc", "MCP_SVC_DB_PASSWORD"),
];

/// Runs every pending migration as the database owner (`MIGRATION_DATABASE_URL`), then sets the
/// password of each service role whose password variable is present. Migrations never hold
/// secrets; deployments hand them to this step instead.
pub async fn migrate(owner_url: &SecretString) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(owner_url.expose_secret())
        .await?;
    MIGRATOR.run(&pool).await?;
    for (role, var) in SERVICE_ROLES {
        let Ok(password) = std::env::var(var) else {
            continue;
        };
        // Roles and passwords cannot be bind parameters; quote both as Postgres does.
        let sql = format!(
            "alter role {} with login password {}",
            quote_ident(role),
            quote_literal(&password)
        );
        sqlx::query(&sql).execute(&pool).await?;
        tracing::info!(role, "set service role password");
    }
    pool.close().await;
    Ok(())
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
