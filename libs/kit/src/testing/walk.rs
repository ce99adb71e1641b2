//! The cross-tenant route walk every service runs ([`CrossTenantWalk`]) and its parts: a digest
//! of one tenant's rows in a schema (to prove a walk changed nothing) and the OpenAPI checks the
//! walks rely on.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;
use sqlx::PgPool;

use super::TestApp;

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
            for name in path_parameters(path) {
                if !declared.contains(&name) {
                    missing.push(format!("{method} {path}: {name}"));
                }
            }
        }
    }
    missing
}

/// The cross-tenant wall over every route of a service that takes an id, walked from the
/// service's own OpenAPI document so a new route is covered the day it is added.
///
/// Tenant B's tokens call every operation twice: once with tenant A's ids in the path, once with
/// ids that exist nowhere. Every answer must be a refusal (never 2xx) and the two answers must
/// agree on status and `code`, so A's ids look exactly like ids that do not exist. Afterwards
/// every row A has in the service's schema must be unchanged.
///
/// ```ignore
/// let doc = serde_json::to_value(project_svc::openapi()).expect("openapi");
/// let report = walk::CrossTenantWalk::new(&app, &doc, "project", &a.id)
///     .id("project_id", &project)
///     .id("task_id", &task)
///     .token(&b.token)
///     .token(&b_service)
///     .run()
///     .await;
/// assert!(report.walked >= 60, "{report:?}");
/// ```
pub struct CrossTenantWalk<'a> {
    app: &'a TestApp,
    operations: Vec<(String, String)>,
    schema: String,
    tenant: TenantId,
    params: Vec<Param>,
    tokens: Vec<String>,
    body: Value,
}

/// A path parameter: A's value and the one that exists nowhere (equal for a fixed value).
struct Param {
    name: String,
    real: String,
    nowhere: String,
}

/// What a walk saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkReport {
    /// Operations walked (each with every token).
    pub walked: usize,
    /// Calls refused with a 404 (the rest were refused otherwise: 401, 403, 405, 422, …).
    pub not_found: usize,
    /// Calls made with A's ids.
    pub calls: usize,
}

impl<'a> CrossTenantWalk<'a> {
    /// Every operation of `doc` with a path parameter; A (`tenant`) owns rows in `schema`.
    pub fn new(app: &'a TestApp, doc: &Value, schema: &str, tenant: &TenantId) -> Self {
        Self {
            app,
            operations: operations(doc, |path| path.contains('{')),
            schema: schema.to_owned(),
            tenant: tenant.clone(),
            params: Vec::new(),
            tokens: Vec::new(),
            body: json!({}),
        }
    }

    /// Tenant A's value for path parameter `name`; the value that exists nowhere keeps its
    /// prefix (`prj_…` → `prj_nowhere…`, a slug → `nowhere-…`).
    pub fn id(self, name: &str, a_value: &str) -> Self {
        let nowhere = nowhere_like(a_value);
        self.id_or_nowhere(name, a_value, &nowhere)
    }

    /// Like [`Self::id`] with an explicit value that exists nowhere.
    pub fn id_or_nowhere(mut self, name: &str, a_value: &str, nowhere: &str) -> Self {
        self.params.push(Param {
            name: name.to_owned(),
            real: a_value.to_owned(),
            nowhere: nowhere.to_owned(),
        });
        self
    }

    /// A path parameter that is not a tenant's id (a provider name, a kind): the same value in
    /// both calls.
    pub fn fixed(self, name: &str, value: &str) -> Self {
        self.id_or_nowhere(name, value, value)
    }

    /// A token of tenant B (a user's, a service's, an agent's…); each operation is called with
    /// every token given.
    pub fn token(mut self, token: &str) -> Self {
        self.tokens.push(token.to_owned());
        self
    }

    /// The JSON body sent to POST, PUT and PATCH operations (`{}` unless set).
    pub fn body(mut self, body: Value) -> Self {
        self.body = body;
        self
    }

    /// Leaves out the operations for which `skip(method, path)` is true (say why at the call).
    pub fn skip(mut self, skip: impl Fn(&str, &str) -> bool) -> Self {
        self.operations.retain(|(m, p)| !skip(m, p));
        self
    }

    /// The operations the walk will call, as `(METHOD, path template)`.
    pub fn operations(&self) -> &[(String, String)] {
        &self.operations
    }

    /// Walks every operation with every token; panics on the first answer that tells A's ids
    /// from ids that exist nowhere, on any 2xx, and when A's rows changed.
    pub async fn run(self) -> WalkReport {
        assert!(
            !self.tokens.is_empty(),
            "give the walk at least one token of tenant B"
        );
        let unmapped = self.unmapped();
        assert!(
            unmapped.is_empty(),
            "map every path parameter with .id(..) or .fixed(..): {unmapped:?}"
        );
        let admin = &self.app.db.admin;
        let before = tenant_fingerprint(admin, &self.schema, self.tenant.as_str()).await;
        let mut report = WalkReport {
            walked: self.operations.len(),
            not_found: 0,
            calls: 0,
        };
        for (method, template) in &self.operations {
            for token in &self.tokens {
                let (status, body) = self.call(token, method, &self.path(template, true)).await;
                let (want, want_body) = self.call(token, method, &self.path(template, false)).await;
                assert!(
                    !status.is_success(),
                    "{method} {template} answered tenant B {status} with A's ids: {body}"
                );
                assert_eq!(
                    (status, &body["code"]),
                    (want, &want_body["code"]),
                    "{method} {template}: A's ids must answer like ids that exist nowhere \
                     ({body} vs {want_body})"
                );
                report.calls += 1;
                report.not_found += usize::from(status == StatusCode::NOT_FOUND);
            }
        }
        let after = tenant_fingerprint(admin, &self.schema, self.tenant.as_str()).await;
        assert_eq!(
            before, after,
            "tenant A's rows in `{}` changed",
            self.schema
        );
        report
    }

    fn unmapped(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (method, template) in &self.operations {
            for name in path_parameters(template) {
                if !self.params.iter().any(|p| p.name == name) {
                    out.push(format!("{method} {template}: {name}"));
                }
            }
        }
        out
    }

    fn path(&self, template: &str, real: bool) -> String {
        template
            .split('/')
            .map(
                |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => {
                        self.params
                            .iter()
                            .find(|p| p.name == name)
                            .map_or_else(String::new, |p| {
                                if real {
                                    p.real.clone()
                                } else {
                                    p.nowhere.clone()
                                }
                            })
                    }
                    None => seg.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/")
    }

    async fn call(&self, token: &str, method: &str, path: &str) -> (StatusCode, Value) {
        let method = Method::from_bytes(method.as_bytes())
            .unwrap_or_else(|e| panic!("method {method}: {e}"));
        let body = [Method::POST, Method::PUT, Method::PATCH]
            .contains(&method)
            .then(|| self.body.clone());
        self.app.client.call(method, path, Some(token), body).await
    }
}

/// The names of a path template's parameters (`/v1/a/{x}/b/{y}` → `x`, `y`).
fn path_parameters(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
}

/// An id shaped like `value` that no test creates: same prefix, another body.
fn nowhere_like(value: &str) -> String {
    match value.split_once('_') {
        Some((prefix, _)) => format!("{prefix}_nowhere0000000000"),
        None => "nowhere-0000000000".to_owned(),
    }
}
