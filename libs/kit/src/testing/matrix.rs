//! The authentication matrix every service runs ([`AuthMatrix`]): every operation of the
//! service's OpenAPI document, called with each credential that must never open it, answers 401
//! with the platform's error body — never 2xx, never 5xx. Tenant B's user, service and agent
//! tokens on tenant A's ids are the other half of the wall: [`super::walk::CrossTenantWalk`].

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;

use super::TestApp;
use super::walk::operations;
use crate::auth::{Claims, JwtKeys, TokenKind};

/// ```ignore
/// let doc = serde_json::to_value(agent_svc::openapi()).expect("openapi");
/// let report = matrix::AuthMatrix::new(&app, &doc).run().await;
/// assert!(report.operations >= 100, "{report:?}");
/// ```
pub struct AuthMatrix<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    operations: Vec<(String, String)>,
    public: Vec<(String, String)>,
}

/// What a matrix run saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatrixReport {
    /// Operations that need a credential, each called with every refused credential.
    pub operations: usize,
    /// Public operations, called once without a credential (never a 5xx).
    pub public: usize,
    pub calls: usize,
}

impl<'a> AuthMatrix<'a> {
    /// Every operation of `doc`; each needs a credential unless [`Self::public`] says so, so a
    /// route added without a guard fails the matrix the day it is added.
    pub fn new(app: &'a TestApp, doc: &Value) -> Self {
        let (public, operations) = operations(doc, |_| true)
            .into_iter()
            .partition(|(_, path)| PLATFORM_OPEN.iter().any(|open| path.starts_with(open)));
        crate::tls::install_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("http client: {e}"));
        Self {
            app,
            http,
            operations,
            public,
        }
    }

    /// Operations that answer without a credential (login, registration, status…): the
    /// matrix only checks that they never answer 5xx to an anonymous caller.
    pub fn public(mut self, is_public: impl Fn(&str, &str) -> bool) -> Self {
        let (public, guarded) = self
            .operations
            .into_iter()
            .partition(|(m, p)| is_public(m, p));
        self.operations = guarded;
        self.public.extend(public);
        self
    }

    /// Calls every guarded operation with no credential, an expired token, a token signed with
    /// another key, a refresh-shaped bearer and a valid token passed in `?token=` (accepted only
    /// by streaming routes, which none of these services has), and panics on any answer but 401.
    pub async fn run(self) -> MatrixReport {
        let tenant = TenantId::generate();
        let mut expired = Claims::access("usr_matrix", tenant.clone(), TokenKind::User, HOUR);
        expired.iat -= 3 * 3600;
        expired.exp = expired.iat + 3600;
        let expired = self.app.mint(&expired);
        let stranger = JwtKeys::new("k1", b"another key entirely, not the platform's one 000")
            .mint(&Claims::access(
                "usr_matrix",
                tenant.clone(),
                TokenKind::User,
                HOUR,
            ))
            .unwrap_or_else(|e| panic!("mint: {e}"));
        let valid = self.app.token(&tenant, "usr_matrix", TokenKind::User);
        let credentials: [(&str, Option<String>, Option<&str>); 5] = [
            ("no credential", None, None),
            ("an expired token", Some(expired), None),
            ("a token signed with another key", Some(stranger), None),
            (
                "a refresh token",
                Some(format!("djr_{}", "0".repeat(64))),
                None,
            ),
            ("a token in ?token=", None, Some(valid.as_str())),
        ];
        let mut report = MatrixReport {
            operations: self.operations.len(),
            public: self.public.len(),
            calls: 0,
        };
        for (method, template) in &self.operations {
            let path = fill(template);
            for (what, bearer, query) in &credentials {
                let path = match query {
                    Some(token) => format!("{path}?token={token}"),
                    None => path.clone(),
                };
                let (status, body) = self.call(method, &path, bearer.as_deref()).await;
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {template} with {what} must answer 401: {body}"
                );
                assert!(
                    body["code"].is_string(),
                    "{method} {template} with {what}: 401 without the error body: {body}"
                );
                report.calls += 1;
            }
        }
        for (method, template) in &self.public {
            let (status, body) = self.call(method, &fill(template), None).await;
            assert!(
                !status.is_server_error(),
                "public {method} {template} answered {status} to an anonymous caller: {body}"
            );
            report.calls += 1;
        }
        report
    }

    async fn call(&self, method: &str, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let method = Method::from_bytes(method.as_bytes())
            .unwrap_or_else(|e| panic!("method {method}: {e}"));
        // Redirects are answers too (OIDC callbacks send the browser back to the dashboard):
        // they are not followed.
        let mut req = self.http.request(
            method.clone(),
            format!("{}{path}", self.app.client.base_url()),
        );
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if [Method::POST, Method::PUT, Method::PATCH].contains(&method) {
            req = req.json(&json!({}));
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// kit's own endpoints that every service serves openly (probes, metrics, its document).
const PLATFORM_OPEN: &[&str] = &["/health", "/metrics", "/openapi.json"];

const HOUR: Duration = Duration::from_secs(3600);

/// The template with every parameter replaced by an id-shaped value that exists nowhere: the
/// credential is refused before any lookup, so the value only has to route.
fn fill(template: &str) -> String {
    template
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                "x_nowhere0000000000"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
