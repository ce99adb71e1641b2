//! OIDC sign-in against a local fake provider (real openidconnect client code end to end).

mod fake;
mod isolation;
mod link;
mod login;
mod outbound;
mod providers;
mod refusals;

use std::collections::HashMap;

use kit::testing::TestApp;
use openidconnect::url::Url;
use serde_json::{Value, json};

use crate::helpers::*;
pub use fake::{CLIENT_ID, CLIENT_SECRET, FakeIdp, FakeUser, Tamper};

pub const DASHBOARD: &str = "http://dash.test";
/// The public URL the provider sends browsers back to; the "browser" maps it to the test server.
pub const PUBLIC_API: &str = "http://api.test";

pub async fn spawn_oidc(extra: Value) -> TestApp {
    // The fake provider listens on 127.0.0.1, which outbound requests refuse unless allowed.
    let mut config = json!({
        "oidc_allow_insecure_http": true,
        "outbound_allow": "127.0.0.1/32",
        "dashboard_url": DASHBOARD,
        "public_api_url": PUBLIC_API,
    });
    if let (Some(c), Some(e)) = (config.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    spawn_with(config).await
}

pub fn provider_body(idp: &FakeIdp, slug: &str) -> Value {
    json!({
        "name": format!("IdP {slug}"),
        "slug": slug,
        "issuerUrl": idp.issuer,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "buttonText": "Sign in with IdP",
        "buttonColor": "#123abc",
    })
}

/// Creates a provider (with `extra` fields merged in) and returns its id.
pub async fn create_provider(app: &TestApp, token: &str, body: Value) -> String {
    let (status, created) = send(app, "POST", "/v1/auth/providers", token, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().expect("id").to_owned()
}

/// The installation's platform administrator (the setup user).
pub async fn platform_admin(app: &TestApp) -> Value {
    let (status, body) = post(
        app,
        "/v1/auth/setup",
        json!({"email": "root@djinn.test", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

/// A browser that does not follow redirects: each hop is looked at.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// GET `url`, expecting a 302; returns the Location.
pub async fn hop(url: &str) -> String {
    hop_as(url, None).await.0
}

/// The name of the cookie that binds a login to the browser that started it.
pub const LOGIN_COOKIE: &str = "__Host-djb_oidc";

/// GET `url` as a browser holding `cookie` (`name=value`), expecting a 302: the Location and
/// the login cookie the answer sets, as `name=value`. The test server speaks plain http, so
/// this "browser" carries the `Secure` cookie by hand (real browsers do the same for
/// `http://localhost`).
pub async fn hop_as(url: &str, cookie: Option<&str>) -> (String, Option<String>) {
    let mut req = browser().get(url);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let res = req.send().await.expect("send");
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().expect("ascii").to_owned());
    let set = login_cookie(res.headers());
    assert_eq!(status, 302, "{url} -> {:?}", res.text().await);
    (location.expect("location"), set)
}

/// The `name=value` of the login cookie in a response's `Set-Cookie` headers.
pub fn login_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{LOGIN_COOKIE}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// Our callback URL as the provider sent it, pointed at the test server.
pub fn to_test_server(app: &TestApp, public: &str) -> String {
    let rest = public.strip_prefix(PUBLIC_API).expect("public API URL");
    format!("{}{rest}", app.client.base_url())
}

pub fn params(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// The key/value pairs of a dashboard location's fragment.
pub fn fragment(location: &str) -> HashMap<String, String> {
    let url = Url::parse(location).expect("url");
    assert_eq!(
        format!("{}{}", url.origin().ascii_serialization(), url.path()),
        format!("{DASHBOARD}/auth/callback"),
        "{location}"
    );
    assert_eq!(url.query(), None, "nothing in the query: {location}");
    openidconnect::url::form_urlencoded::parse(url.fragment().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The whole browser round trip: authorize → provider → callback; the dashboard location.
pub async fn sign_in(app: &TestApp, slug: &str) -> String {
    let (to_idp, cookie) = hop_as(
        &format!("{}/v1/auth/oidc/{slug}/authorize", app.client.base_url()),
        None,
    )
    .await;
    let back = hop(&to_idp).await;
    hop_as(&to_test_server(app, &back), cookie.as_deref())
        .await
        .0
}

/// A platform provider `slug` at `idp`, created by the installation's platform administrator.
pub async fn platform_provider(app: &TestApp, idp: &FakeIdp, slug: &str) -> Value {
    platform_provider_trusting(app, idp, slug, &[]).await
}

/// Like [`platform_provider`], trusted to link existing accounts of `domains` by email.
pub async fn platform_provider_trusting(
    app: &TestApp,
    idp: &FakeIdp,
    slug: &str,
    domains: &[&str],
) -> Value {
    let root = platform_admin(app).await;
    let mut body = provider_body(idp, slug);
    body["scope"] = json!("platform");
    body["trustedEmailDomains"] = json!(domains);
    create_provider(app, &access(&root), body).await;
    root
}

pub async fn users_count(app: &TestApp) -> i64 {
    count(app, "select count(*) from auth.users").await
}

/// The linked OIDC identity of the account with `email`.
pub async fn oidc_subject(app: &TestApp, email: &str) -> Option<String> {
    sqlx::query_scalar("select oidc_subject from auth.users where email = $1")
        .bind(email)
        .fetch_one(&app.db.admin)
        .await
        .expect("user")
}
