//! `ValidJson<T>`: a JSON body that is parsed with field paths in its errors and then checked by
//! `T::validate`, so handlers only ever see valid input and clients get our error body.

use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// Semantic checks beyond what the type expresses (lengths, formats, cross-field rules).
pub trait Validate {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct ValidJson<T>(pub T);

impl<S, T> FromRequest<S> for ValidJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(e.status(), "payload_too_large", e.body_text()))?;
        let value = parse::<T>(&bytes)?;
        value.validate().map_err(ApiError::validation)?;
        Ok(Self(value))
    }
}

/// `Option<ValidJson<T>>`: no body at all (no `Content-Type`, nothing sent) is `None`, for
/// endpoints whose whole body is optional; anything sent is checked exactly like `ValidJson`.
impl<S, T> OptionalFromRequest<S> for ValidJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let headers = req.headers();
        let empty = !headers.contains_key(header::CONTENT_TYPE)
            && headers
                .get(header::CONTENT_LENGTH)
                .is_none_or(|v| v.as_bytes() == b"0");
        if empty {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
    }
}

/// Parses JSON, naming the failing field path in the error. Strings may not contain NUL:
/// Postgres cannot store it in text, so it is refused here for every service.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first: a typed parse may stop at an unknown field before it reaches the broken part.
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|err| ApiError::bad_request("malformed_json", format!("malformed JSON: {err}")))?;
    if let Some(path) = nul_path(&value, String::new()) {
        return Err(ApiError::validation(vec![FieldError {
            path: if path.is_empty() {
                "body".to_owned()
            } else {
                path
            },
            message: "must not contain NUL characters".to_owned(),
        }]));
    }
    serde_path_to_error::deserialize(&value).map_err(|err| {
        let path = err.path().to_string();
        ApiError::validation(vec![FieldError {
            path: if path == "." { "body".to_owned() } else { path },
            message: err.into_inner().to_string(),
        }])
    })
}

/// The path of the first string (or object key) containing NUL, if any.
fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_path(v, here)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn type_errors_name_the_field_path() {
        let err = parse::<Outer>(br#"{"name":"x","items":[{"count":1},{"count":"two"}]}"#)
            .expect_err("must fail");
        match err {
            ApiError::Client { code, errors, .. } => {
                assert_eq!(code, "validation_failed");
                assert_eq!(errors[0].path, "items[1].count");
            }
            ApiError::Internal(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn truncated_json_is_a_400_even_with_unknown_fields_first() {
        let err = parse::<Outer>(b"{\"unknown\":").expect_err("must fail");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn nul_characters_are_refused_with_their_path() {
        let err = parse::<Outer>(br#"{"name":"a\u0000b","items":[]}"#).expect_err("must fail");
        match err {
            ApiError::Client { status, errors, .. } => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
                assert_eq!(errors[0].path, "name");
            }
            ApiError::Internal(e) => panic!("unexpected {e}"),
        }
        let err = parse::<Outer>(br#"{"name":"a","items":[{"count":1,"x\u0000":2}]}"#)
            .expect_err("must fail");
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn malformed_json_is_a_400() {
        let err = parse::<Outer>(b"{\"name\":").expect_err("must fail");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    }
}
