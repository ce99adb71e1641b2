//! A fake OpenID provider on 127.0.0.1:0 that speaks the real protocol: discovery, JWKS (an
//! ES256 key made per test), `/authorize` (logs in the configured user at once and redirects
//! back with a code), `/token` (client authentication, single-use codes, redirect URI and PKCE
//! S256 checks; a signed ID token carrying the nonce it was given) and `/userinfo`.
//! Knobs let a test make it misbehave: sign with an unpublished key, send another nonce or
//! audience.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use openidconnect::url::{Url, form_urlencoded};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rand::RngCore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "djinnbot-client";
pub const CLIENT_SECRET: &str = "s3cret-client-secret-value";

/// The person the provider logs in next.
#[derive(Clone, Debug)]
pub struct FakeUser {
    pub sub: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
}

impl FakeUser {
    pub fn new(sub: &str, email: &str) -> Self {
        Self {
            sub: sub.to_owned(),
            email: Some(email.to_owned()),
            email_verified: Some(true),
            name: Some(format!("Person {sub}")),
        }
    }
}

/// Ways to break the ID token.
#[derive(Clone, Debug, Default)]
pub struct Tamper {
    /// Sign with a key that is not in the JWKS.
    pub unknown_key: bool,
    pub nonce: Option<String>,
    pub audience: Option<String>,
}

struct Grant {
    challenge: String,
    nonce: String,
    redirect_uri: String,
    user: FakeUser,
}

struct Inner {
    issuer: String,
    key: SigningKey,
    rogue_key: SigningKey,
    user: FakeUser,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, FakeUser>,
    tamper: Tamper,
    /// Leave the email out of the ID token (only `/userinfo` has it).
    email_only_in_userinfo: bool,
    /// Discovery documents served.
    discoveries: usize,
}

#[derive(Clone)]
pub struct FakeIdp {
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
}

fn random_key() -> SigningKey {
    loop {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return key;
        }
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

impl FakeIdp {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake idp");
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let inner = Arc::new(Mutex::new(Inner {
            issuer: issuer.clone(),
            key: random_key(),
            rogue_key: random_key(),
            user: FakeUser::new("sub-1", "person@idp.test"),
            codes: HashMap::new(),
            tokens: HashMap::new(),
            tamper: Tamper::default(),
            email_only_in_userinfo: false,
            discoveries: 0,
        }));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(inner.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake idp");
        });
        Self { issuer, inner }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().expect("fake idp lock"))
    }

    pub fn log_in_as(&self, user: FakeUser) {
        self.with(|i| i.user = user);
    }

    pub fn tamper(&self, tamper: Tamper) {
        self.with(|i| i.tamper = tamper);
    }

    pub fn email_only_in_userinfo(&self, on: bool) {
        self.with(|i| i.email_only_in_userinfo = on);
    }

    /// How often the discovery document was fetched.
    pub fn discoveries(&self) -> usize {
        self.with(|i| i.discoveries)
    }

    /// Codes issued and not yet redeemed.
    pub fn open_codes(&self) -> usize {
        self.with(|i| i.codes.len())
    }
}

type Shared = State<Arc<Mutex<Inner>>>;

fn error(status: StatusCode, code: &str) -> Response {
    (status, axum::Json(json!({ "error": code }))).into_response()
}

async fn discovery(State(inner): Shared) -> Response {
    let issuer = {
        let mut inner = inner.lock().expect("lock");
        inner.discoveries += 1;
        inner.issuer.clone()
    };
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
    .into_response()
}

async fn jwks(State(inner): Shared) -> Response {
    let point = inner
        .lock()
        .expect("lock")
        .key
        .verifying_key()
        .to_encoded_point(false);
    let coord = |c: Option<&p256::FieldBytes>| URL_SAFE_NO_PAD.encode(c.expect("coordinate"));
    axum::Json(json!({ "keys": [{
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "k1",
        "x": coord(point.x()), "y": coord(point.y()),
    }]}))
    .into_response()
}

async fn authorize(State(inner): Shared, Query(q): Query<HashMap<String, String>>) -> Response {
    let param = |k: &str| q.get(k).cloned().unwrap_or_default();
    if param("response_type") != "code"
        || param("client_id") != CLIENT_ID
        || param("code_challenge_method") != "S256"
        || param("code_challenge").is_empty()
        || param("nonce").is_empty()
        || !param("scope").split(' ').any(|s| s == "openid")
    {
        return error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let code = random_token();
    let mut inner = inner.lock().expect("lock");
    let user = inner.user.clone();
    inner.codes.insert(
        code.clone(),
        Grant {
            challenge: param("code_challenge"),
            nonce: param("nonce"),
            redirect_uri: param("redirect_uri"),
            user,
        },
    );
    let mut back = Url::parse(&param("redirect_uri")).expect("redirect_uri");
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &param("state"));
    (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

/// `client_secret_basic`: base64 of the form-encoded id and secret (RFC 6749 §2.3.1).
fn client_authenticated(headers: &HeaderMap) -> bool {
    let expected = format!("{CLIENT_ID}:{CLIENT_SECRET}");
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .is_some_and(|raw| raw == expected.as_bytes())
}

async fn token(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    if !client_authenticated(&headers) {
        return error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let mut inner = inner.lock().expect("lock");
    if field("grant_type") != "authorization_code" {
        return error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let Some(grant) = inner.codes.remove(&field("code")) else {
        return error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes()));
    if challenge != grant.challenge || field("redirect_uri") != grant.redirect_uri {
        return error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let access = random_token();
    inner.tokens.insert(access.clone(), grant.user.clone());
    let tamper = inner.tamper.clone();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut claims = json!({
        "iss": inner.issuer,
        "sub": grant.user.sub,
        "aud": tamper.audience.unwrap_or_else(|| CLIENT_ID.to_owned()),
        "iat": now,
        "exp": now + 300,
        "nonce": tamper.nonce.unwrap_or(grant.nonce),
        "at_hash": URL_SAFE_NO_PAD.encode(&Sha256::digest(access.as_bytes())[..16]),
    });
    if let Some(name) = &grant.user.name {
        claims["name"] = json!(name);
    }
    if !inner.email_only_in_userinfo {
        claims["email"] = json!(grant.user.email);
        // A provider that does not vouch for the address leaves the claim out entirely.
        if let Some(verified) = grant.user.email_verified {
            claims["email_verified"] = json!(verified);
        }
    }
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": "k1"});
    let input = format!("{}.{}", b64(&header), b64(&claims));
    let key = if tamper.unknown_key {
        &inner.rogue_key
    } else {
        &inner.key
    };
    let signature: Signature = key.sign(input.as_bytes());
    let id_token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
    axum::Json(json!({
        "access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token,
    }))
    .into_response()
}

async fn userinfo(State(inner): Shared, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let inner = inner.lock().expect("lock");
    let Some(user) = inner.tokens.get(token) else {
        return error(StatusCode::UNAUTHORIZED, "invalid_token");
    };
    let mut body = json!({ "sub": user.sub, "email": user.email, "name": user.name });
    if let Some(verified) = user.email_verified {
        body["email_verified"] = json!(verified);
    }
    axum::Json(body).into_response()
}
