use base64_helpers::*;

use super::*;

/// Hand-built tokens for the cases jsonwebtoken refuses to produce (`alg: none`, missing claims).
mod base64_helpers {
    pub fn b64(bytes: &[u8]) -> String {
        const TABLE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }
}

fn tenant() -> TenantId {
    TenantId::parse("ten_alpha").expect("valid")
}

fn keys() -> JwtKeys {
    JwtKeys::new("k1", b"first-secret-first-secret-first-secret")
}

#[test]
fn valid_token_round_trips() {
    let claims = Claims::access("usr_1", tenant(), TokenKind::User, Duration::from_secs(60));
    let token = keys().mint(&claims).expect("mint");
    assert_eq!(keys().verify(&token), Ok(claims));
}

#[test]
fn expired_token_is_refused() {
    let mut claims = Claims::access("usr_1", tenant(), TokenKind::User, Duration::from_secs(60));
    claims.exp = now_secs() - 120;
    let token = keys().mint(&claims).expect("mint");
    assert_eq!(keys().verify(&token), Err(TokenError::Expired));
}

#[test]
fn wrong_key_is_refused() {
    let claims = Claims::access("usr_1", tenant(), TokenKind::User, Duration::from_secs(60));
    let other = JwtKeys::new("k1", b"another-secret-another-secret-another");
    let token = other.mint(&claims).expect("mint");
    assert_eq!(keys().verify(&token), Err(TokenError::Invalid));
}

#[test]
fn unknown_kid_is_refused_and_rotation_accepts_previous_key() {
    let claims = Claims::access("usr_1", tenant(), TokenKind::User, Duration::from_secs(60));
    let old = JwtKeys::new("k0", b"old-secret-old-secret-old-secret-old");
    let token = old.mint(&claims).expect("mint");
    assert_eq!(keys().verify(&token), Err(TokenError::UnknownKey));
    let rotated = keys().accept("k0", b"old-secret-old-secret-old-secret-old");
    assert_eq!(rotated.verify(&token), Ok(claims));
}

#[test]
fn alg_none_is_refused() {
    let header = b64(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    let body = b64(
        br#"{"sub":"usr_1","tenant_id":"ten_alpha","kind":"user","type":"access","exp":9999999999,"iat":1,"jti":"x"}"#,
    );
    let token = format!("{header}.{body}.");
    assert_eq!(keys().verify(&token), Err(TokenError::Invalid));
}

#[test]
fn missing_tenant_is_refused() {
    #[derive(Serialize)]
    struct NoTenant {
        sub: &'static str,
        kind: &'static str,
        r#type: &'static str,
        exp: u64,
        iat: u64,
        jti: &'static str,
    }
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".to_owned());
    let token = jsonwebtoken::encode(
        &header,
        &NoTenant {
            sub: "usr_1",
            kind: "user",
            r#type: "access",
            exp: now_secs() + 60,
            iat: now_secs(),
            jti: "x",
        },
        &EncodingKey::from_secret(b"first-secret-first-secret-first-secret"),
    )
    .expect("encode");
    assert_eq!(keys().verify(&token), Err(TokenError::MissingClaims));
}

#[test]
fn only_the_header_carries_a_bearer_token() {
    let req = axum::http::Request::builder()
        .uri("/x?a=1&token=abc")
        .body(())
        .expect("request");
    let (parts, ()) = req.into_parts();
    assert_eq!(bearer_token(&parts), None);
    let req = axum::http::Request::builder()
        .uri("/x")
        .header("authorization", "Bearer xyz")
        .body(())
        .expect("request");
    let (parts, ()) = req.into_parts();
    assert_eq!(bearer_token(&parts), Some("xyz"));
}
