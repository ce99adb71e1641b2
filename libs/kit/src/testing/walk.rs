//! What the cross-tenant route walks of every service share: a digest of one tenant's rows in
//! a schema (to prove a walk changed nothing) and the OpenAPI checks the walks rely on.

use serde_json::Value;
use sqlx::PgPool;

/// An md5 digest of every row `tenant` has in each table of `schema` with a `tenant_id`, but
/// the outbox tables, which the relay updates on its own (events are checked on the streams).
pub async fn tenant_fingerprint(
    admin: &PgPool,
    schema: &str,
    tenant: &str,
) -> Vec<(String, Option<String>)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.columns
          where table_schema = $1 and column_name = 'tenant_id'
            and table_name not in ('outbox', 'applied_events') order by 1",
    )
    .bind(schema)
    .fetch_all(admin)
    .await
    .unwrap_or_else(|e| panic!("tables of {schema}: {e}"));
    let mut out = Vec::new();
    for table in tables {
        let digest: Option<String> = sqlx::query_scalar(&format!(
            "select md5(string_agg(t::text, '|' order by t::text)) from {schema}.{table} t
              where tenant_id = $1"
        ))
        .bind(tenant)
        .fetch_one(admin)
        .await
        .unwrap_or_else(|e| panic!("digest of {schema}.{table}: {e}"));
        out.push((table, digest));
    }
    out
}

/// Every (METHOD, path template) of an OpenAPI document whose path matches `keep`.
pub fn operations(doc: &Value, keep: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        if !keep(path) {
            continue;
        }
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// `METHOD path: name` for every path parameter an operation does not declare (clients and
/// fuzzers can call only what the document describes completely).
pub fn undeclared_path_parameters(doc: &Value) -> Vec<String> {
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            for name in path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            {
                if !declared.contains(&name) {
                    missing.push(format!("{method} {path}: {name}"));
                }
            }
        }
    }
    missing
}
