//! `ValidJson<T>` and `ValidQuery<T>`: a JSON body or a query string parsed with field paths in
//! its errors and then checked by `T::validate`, so handlers only ever see valid input and
//! clients get our error body.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use percent_encoding::percent_decode_str;
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

/// A query string parsed into `T` and checked by `T::validate`, in place of axum's `Query`
/// (whose rejection is plain text). A value of the wrong type, an unknown or repeated field and a
/// failed rule are a 422 naming the field; a query string that is not text (an escape that does
/// not decode to UTF-8) is a 400 `malformed_query`. No query string at all is the empty one, so
/// a `T` whose fields are all optional or defaulted always parses.
#[derive(Debug, Clone)]
pub struct ValidQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ValidQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let value = parse_query::<T>(parts.uri.query().unwrap_or_default())?;
        value.validate().map_err(ApiError::validation)?;
        Ok(Self(value))
    }
}

/// Parses a query string (without the `?`), naming the failing field in the error. Like JSON
/// strings, values may not contain NUL (Postgres cannot store it).
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let mut seen = std::collections::HashSet::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (decode_query_part(key)?, decode_query_part(value)?);
        let problem = if key.contains('\0') || value.contains('\0') {
            Some("must not contain NUL characters")
        } else if !seen.insert(key.clone()) {
            // serde would report a repeated field without naming it.
            Some("must be given once")
        } else {
            None
        };
        if let Some(message) = problem {
            let path = if key.contains('\0') {
                "query".to_owned()
            } else {
                key
            };
            return Err(ApiError::validation(vec![FieldError {
                path,
                message: message.to_owned(),
            }]));
        }
    }
    let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(pairs).map_err(|err| {
        let path = err.path().to_string();
        ApiError::validation(vec![FieldError {
            path: if path == "." {
                "query".to_owned()
            } else {
                path
            },
            message: err.into_inner().to_string(),
        }])
    })
}

/// One key or value as form-urlencoding defines it (`+` is a space), refusing what is not UTF-8
/// instead of replacing it silently as `form_urlencoded` does.
fn decode_query_part(raw: &str) -> Result<String, ApiError> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            ApiError::bad_request(
                "malformed_query",
                "malformed query string: an escape does not decode to UTF-8",
            )
        })
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Page {
        limit: Option<i64>,
        q: Option<String>,
    }

    fn query_error(query: &str) -> (StatusCode, &'static str, String) {
        match parse_query::<Page>(query).expect_err("must fail") {
            ApiError::Client {
                status,
                code,
                errors,
                ..
            } => (
                status,
                code,
                errors.first().map(|e| e.path.clone()).unwrap_or_default(),
            ),
            ApiError::Internal(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn query_values_decode_as_forms_do() {
        let page = parse_query::<Page>("limit=5&q=a+b%20c%C3%A9").expect("parses");
        assert_eq!((page.limit, page.q.as_deref()), (Some(5), Some("a b cé")));
        let empty = parse_query::<Page>("").expect("no query at all");
        assert_eq!((empty.limit, empty.q), (None, None));
    }

    #[test]
    fn query_errors_name_the_field() {
        let want = |path: &str| {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                path.to_owned(),
            )
        };
        assert_eq!(query_error("limit=ten"), want("limit"));
        assert_eq!(query_error("limit=1&limit=2"), want("limit"));
        assert_eq!(query_error("colour=red"), want("colour"));
        assert_eq!(query_error("q=a%00b"), want("q"));
    }

    #[test]
    fn a_query_that_is_not_text_is_a_400() {
        assert_eq!(
            query_error("q=%FF%FE"),
            (StatusCode::BAD_REQUEST, "malformed_query", String::new())
        );
    }

    #[test]
    fn malformed_json_is_a_400() {
        let err = parse::<Outer>(b"{\"name\":").expect_err("must fail");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    }
}
