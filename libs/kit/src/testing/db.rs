//! One database per test, cloned from a template migrated once per migration set.
//!
//! nextest runs every test in its own process, so the template is guarded by a Postgres
//! advisory lock rather than anything in memory. Its name carries a hash of the migrations:
//! changing a migration makes a new template instead of reusing a stale one.

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use shared_schemas::ids::{TenantId, UserId};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

use crate::db::MIGRATOR;

pub fn admin_url() -> String {
    std::env::var("DJB_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:55432/postgres".to_owned())
}

pub struct TestDb {
    pub name: String,
    /// Superuser connection to this test's database (bypasses RLS: for set-up and checks).
    pub admin: PgPool,
    base: PgConnectOptions,
}

fn options() -> PgConnectOptions {
    let url = admin_url();
    url.parse::<PgConnectOptions>()
        .unwrap_or_else(|e| panic!("DJB_TEST_PG_URL {url}: {e}"))
        .disable_statement_logging()
}

async fn pool(opts: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(3)
        .connect_with(opts)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "postgres at {} unreachable (run `make test`): {e}",
                admin_url()
            )
        })
}

fn template_name() -> String {
    let mut hasher = Sha256::new();
    for m in MIGRATOR.iter() {
        hasher.update(m.version.to_be_bytes());
        hasher.update(&*m.checksum);
    }
    format!("djb_tpl_{}", &hex::encode(hasher.finalize())[..16])
}

async fn ensure_template(server: &PgPool, name: &str) {
    let mut conn = server
        .acquire()
        .await
        .unwrap_or_else(|e| panic!("acquire: {e}"));
    // Fixed key: every test process serialises template creation on it.
    sqlx::query("select pg_advisory_lock(727274)")
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("advisory lock: {e}"));
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("template lookup: {e}"));
    if !exists {
        let building = format!("{name}_building");
        sqlx::query(&format!("drop database if exists \"{building}\""))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("drop stale template: {e}"));
        sqlx::query(&format!("create database \"{building}\""))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("create template: {e}"));
        let tpl = pool(options().database(&building)).await;
        MIGRATOR
            .run(&tpl)
            .await
            .unwrap_or_else(|e| panic!("migrations failed: {e}"));
        tpl.close().await;
        // Renamed only once complete, so a crashed build is never mistaken for a template.
        sqlx::query(&format!(
            "alter database \"{building}\" rename to \"{name}\""
        ))
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("rename template: {e}"));
    }
    sqlx::query("select pg_advisory_unlock(727274)")
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("advisory unlock: {e}"));
}

impl TestDb {
    pub async fn create() -> Self {
        let server = pool(options()).await;
        let template = template_name();
        ensure_template(&server, &template).await;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!(
            "create database \"{name}\" template \"{template}\""
        ))
        .execute(&server)
        .await
        .unwrap_or_else(|e| panic!("create test database: {e}"));
        server.close().await;
        let base = options().database(&name);
        Self {
            admin: pool(base.clone()).await,
            name,
            base,
        }
    }

    /// A URL to this database as `role` (trust authentication on the test server).
    pub fn url_as(&self, role: &str) -> String {
        format!(
            "postgres://{role}@{}:{}/{}",
            self.base.get_host(),
            self.base.get_port(),
            self.name
        )
    }

    /// A pool connected as a service role, subject to its grants and to RLS.
    pub async fn pool_as(&self, role: &str) -> PgPool {
        pool(self.base.clone().username(role)).await
    }

    pub async fn create_tenant(&self, name: &str) -> (TenantId, UserId) {
        let tenant = TenantId::generate();
        let user = UserId::generate();
        let now = i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis(),
        )
        .unwrap_or_default();
        let slug = format!("{}-{}", slugify(name), &tenant.as_str()[4..12]);
        let email = format!("owner@{}.test", &tenant.as_str()[4..]);
        let mut tx = self
            .admin
            .begin()
            .await
            .unwrap_or_else(|e| panic!("begin: {e}"));
        sqlx::query(
            "insert into auth.tenants (id, name, slug, created_at, updated_at) values ($1, $2, $3, $4, $4)",
        )
        .bind(tenant.as_str())
        .bind(name)
        .bind(&slug)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("insert tenant: {e}"));
        sqlx::query(
            "insert into auth.users (id, tenant_id, email, is_admin, created_at, updated_at) values ($1, $2, $3, true, $4, $4)",
        )
        .bind(user.as_str())
        .bind(tenant.as_str())
        .bind(&email)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("insert user: {e}"));
        sqlx::query("update auth.tenants set owner_user_id = $1 where id = $2")
            .bind(user.as_str())
            .bind(tenant.as_str())
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("set owner: {e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
        (tenant, user)
    }
}

fn slugify(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "tenant".to_owned()
    } else {
        slug.chars().take(40).collect()
    }
}
