//! Global-catalog tables: rows shipped with the platform (`tenant_id is null`, seeded from the
//! repository at start, read-only to tenants) side by side with each tenant's own rows in one
//! table. agent-svc's skills, project-svc's templates and engine-svc's pipelines have this shape.
//!
//! What such a table needs (the existing ones have it):
//! - `id` (text, generated with the catalog's prefix), `tenant_id` (null for a global row),
//!   a key column people write (`slug`), `created_at` and `updated_at` (epoch ms);
//! - a unique index on the key `where tenant_id is null` (the seed upserts on it) and one on
//!   `(tenant_id, key)` for tenant rows;
//! - RLS from `djb.enable_tenant_rls(table, true)` (globals readable by every tenant) plus the
//!   `catalog_seed` policy: only a transaction with `app.scope = 'catalog'` writes global rows.
//!
//! Lookups run in the tenant's [`TenantTx`] and see the tenant's rows and the global ones; by id
//! or key, a tenant's row shadows a global one with the same key. Seeding runs in one
//! [`LookupTx`] with the catalog scope: [`Catalog::begin_seed`], [`Seed::upsert`] per entry
//! (ids survive, unchanged rows are not rewritten), [`Seed::invalid`] for entries that could not
//! be read (their rows stay), and [`Seed::finish`] removes global rows whose entry is gone.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Row};

use crate::ApiError;
use crate::db::{LookupTx, TenantTx};

/// One catalog table. Every name is SQL written in code (never input), like a query's text.
#[derive(Debug, Clone, Copy)]
pub struct Catalog {
    /// Schema-qualified table, e.g. `agent.skills`.
    pub table: &'static str,
    /// The column rows are named by, e.g. `slug`.
    pub key: &'static str,
    /// Prefix of the table's ids, e.g. `skl_`.
    pub id_prefix: &'static str,
    /// The columns lookups return: the fields of the row type's `FromRow`.
    pub columns: &'static str,
}

/// A row the tenant can see, and whether it is global (read-only to the tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible<T> {
    pub row: T,
    pub global: bool,
}

impl<T> Visible<T> {
    /// The row when the tenant may change it; `read_only()` (the service's 403) for a global one.
    pub fn writable(self, read_only: impl FnOnce() -> ApiError) -> Result<T, ApiError> {
        if self.global {
            Err(read_only())
        } else {
            Ok(self.row)
        }
    }
}

impl<'r, T: FromRow<'r, PgRow>> FromRow<'r, PgRow> for Visible<T> {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            global: row.try_get("catalog_global")?,
            row: T::from_row(row)?,
        })
    }
}

impl Catalog {
    /// A new id for a row of this table.
    pub fn new_id(&self) -> String {
        format!("{}{}", self.id_prefix, shared_schemas::ids::random_body())
    }

    /// A page of the tenant's rows and the global ones (both, when a tenant row shadows a global
    /// one), in `order_by` (SQL in code, e.g. `slug, tenant_id is null, id`).
    pub async fn list<T>(
        &self,
        tx: &mut TenantTx,
        order_by: &'static str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Visible<T>>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let tenant = tx.tenant().clone();
        sqlx::query_as(&format!(
            "select {}, (tenant_id is null) as catalog_global from {}
              where tenant_id = $1 or tenant_id is null
              order by {order_by} limit $2 offset $3",
            self.columns, self.table
        ))
        .bind(tenant)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **tx)
        .await
    }

    /// The row the tenant sees under `id_or_key`: its own before a global one, and for equal
    /// ownership the one whose id matches before the one whose key does.
    pub async fn find<T>(
        &self,
        tx: &mut TenantTx,
        id_or_key: &str,
    ) -> Result<Option<Visible<T>>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let tenant = tx.tenant().clone();
        sqlx::query_as(&format!(
            "select {}, (tenant_id is null) as catalog_global from {}
              where (id = $2 or {key} = $2) and (tenant_id = $1 or tenant_id is null)
              order by (tenant_id is null), (id = $2) desc limit 1",
            self.columns,
            self.table,
            key = self.key
        ))
        .bind(tenant)
        .bind(id_or_key)
        .fetch_optional(&mut **tx)
        .await
    }

    /// Whether `key` is taken in the tenant's view: by its own rows or a global one.
    pub async fn key_taken(&self, tx: &mut TenantTx, key: &str) -> Result<bool, sqlx::Error> {
        let tenant = tx.tenant().clone();
        sqlx::query_scalar(&format!(
            "select exists (select 1 from {} where {} = $2 and (tenant_id = $1 or tenant_id is null))",
            self.table, self.key
        ))
        .bind(tenant)
        .bind(key)
        .fetch_one(&mut **tx)
        .await
    }

    /// Deletes one of the tenant's own rows; false when it has none with that id (a global row
    /// is never the tenant's).
    pub async fn delete_own(&self, tx: &mut TenantTx, id: &str) -> Result<bool, sqlx::Error> {
        let tenant = tx.tenant().clone();
        let done = sqlx::query(&format!(
            "delete from {} where tenant_id = $1 and id = $2",
            self.table
        ))
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Opens the one transaction that may write global rows (`app.scope = 'catalog'`).
    /// `content` are the columns each entry sets (compared to decide whether a row changed);
    /// `fixed` are columns every global row gets at insert, as SQL (`("is_global", "true")`).
    pub async fn begin_seed(
        &self,
        pool: &PgPool,
        content: &[&'static str],
        fixed: &[(&'static str, &'static str)],
        now: i64,
    ) -> Result<Seed, sqlx::Error> {
        let tx = LookupTx::begin(pool, "app.scope", "catalog").await?;
        Ok(Seed {
            tx,
            catalog: *self,
            upsert: self.upsert_sql(content, fixed),
            content: content.to_vec(),
            now,
            keys: Vec::new(),
            report: SeedReport::default(),
        })
    }

    /// One global row by key, its content columns read from a JSON object by Postgres
    /// (`jsonb_populate_record` casts each value to its column's type); an unchanged row is
    /// left alone, so `updated_at` moves only when something did.
    fn upsert_sql(
        &self,
        content: &[&'static str],
        fixed: &[(&'static str, &'static str)],
    ) -> String {
        let mut columns = vec!["id", "tenant_id", self.key, "created_at", "updated_at"];
        let mut values = vec![
            "$1".to_owned(),
            "null".to_owned(),
            "$2".to_owned(),
            "$3".to_owned(),
            "$3".to_owned(),
        ];
        for (column, value) in fixed {
            columns.push(column);
            values.push((*value).to_owned());
        }
        for column in content {
            columns.push(column);
            values.push(format!("r.{column}"));
        }
        let mut set: Vec<String> = content
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        set.push("updated_at = excluded.updated_at".to_owned());
        let old: Vec<String> = content.iter().map(|c| format!("t.{c}")).collect();
        let new: Vec<String> = content.iter().map(|c| format!("excluded.{c}")).collect();
        format!(
            "insert into {table} as t ({columns})
             select {values} from jsonb_populate_record(null::{table}, $4) as r
             on conflict ({key}) where tenant_id is null do update set {set}
             where ({old}) is distinct from ({new})",
            table = self.table,
            key = self.key,
            columns = columns.join(", "),
            values = values.join(", "),
            set = set.join(", "),
            old = old.join(", "),
            new = new.join(", "),
        )
    }
}

/// What a seeding pass changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SeedReport {
    /// Global rows inserted or changed.
    pub upserted: usize,
    /// Global rows already as their entry says.
    pub unchanged: usize,
    /// Global rows whose entry is gone.
    pub removed: usize,
    /// `<key>: <reason>` for each entry that could not be used (its row, if any, is kept).
    pub invalid: Vec<String>,
}

/// A seeding pass in progress: one transaction, committed by [`Seed::finish`].
pub struct Seed {
    tx: LookupTx,
    catalog: Catalog,
    upsert: String,
    content: Vec<&'static str>,
    now: i64,
    /// Every key the pass was given, valid or not: the rows that stay.
    keys: Vec<String>,
    report: SeedReport,
}

impl Seed {
    /// Inserts or updates the global row named `key` with `content`, a JSON object holding
    /// exactly the content columns. Returns whether the row was written.
    pub async fn upsert(
        &mut self,
        key: &str,
        content: &serde_json::Value,
    ) -> Result<bool, sqlx::Error> {
        self.check_shape(key, content)?;
        let done = sqlx::query(&self.upsert)
            .bind(self.catalog.new_id())
            .bind(key)
            .bind(self.now)
            .bind(content)
            .execute(&mut *self.tx)
            .await?;
        self.keys.push(key.to_owned());
        let written = done.rows_affected() > 0;
        if written {
            self.report.upserted += 1;
        } else {
            self.report.unchanged += 1;
        }
        Ok(written)
    }

    /// An entry that could not be read: reported, and its row (if any) kept as it was.
    pub fn invalid(&mut self, key: &str, reason: impl std::fmt::Display) {
        self.keys.push(key.to_owned());
        self.report.invalid.push(format!("{key}: {reason}"));
    }

    /// Removes the global rows whose key the pass was not given, commits, and reports.
    pub async fn finish(mut self) -> Result<SeedReport, sqlx::Error> {
        let removed = sqlx::query(&format!(
            "delete from {} where tenant_id is null and not ({} = any($1))",
            self.catalog.table, self.catalog.key
        ))
        .bind(&self.keys)
        .execute(&mut *self.tx)
        .await?;
        self.report.removed = usize::try_from(removed.rows_affected()).unwrap_or(usize::MAX);
        self.tx.commit().await?;
        Ok(self.report)
    }

    /// A key missing from the object would silently write null; an extra one would be ignored.
    fn check_shape(&self, key: &str, content: &serde_json::Value) -> Result<(), sqlx::Error> {
        let fields = content.as_object().ok_or_else(|| {
            sqlx::Error::Protocol(format!(
                "catalog entry `{key}`: content is not a JSON object"
            ))
        })?;
        let missing: Vec<&str> = self
            .content
            .iter()
            .copied()
            .filter(|c| !fields.contains_key(*c))
            .collect();
        let extra: Vec<&str> = fields
            .keys()
            .map(String::as_str)
            .filter(|k| !self.content.contains(k))
            .collect();
        if missing.is_empty() && extra.is_empty() {
            Ok(())
        } else {
            Err(sqlx::Error::Protocol(format!(
                "catalog entry `{key}` of {}: missing {missing:?}, unknown {extra:?}",
                self.catalog.table
            )))
        }
    }
}
