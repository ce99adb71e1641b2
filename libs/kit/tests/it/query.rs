//! `ValidQuery`: query strings reach handlers parsed and checked, and every rejection is our
//! error body naming the field.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use http_body_util::BodyExt;
use kit::error::FieldError;
use kit::extract::{ValidQuery, Validate};
use kit::validate::{err, finish};
use serde::Deserialize;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The shape of the services' list filters: optional filters, a defaulted page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    agent_id: Option<String>,
    #[serde(alias = "type")]
    item_type: Option<String>,
    #[serde(default = "fifty")]
    limit: i64,
    #[serde(default)]
    offset: i64,
}

fn fifty() -> i64 {
    50
}

impl Validate for ListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if !(1..=500).contains(&self.limit) {
            e.push(err("limit", "must be between 1 and 500"));
        }
        if self.offset < 0 {
            e.push(err("offset", "must not be negative"));
        }
        finish(e)
    }
}

async fn list(ValidQuery(q): ValidQuery<ListQuery>) -> Json<Value> {
    Json(json!({"agent": q.agent_id, "type": q.item_type, "limit": q.limit, "offset": q.offset}))
}

async fn call(uri: &str) -> (StatusCode, Value) {
    let app = Router::new().route("/v1/calls", get(list));
    let res = app
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).expect("a JSON body"))
}

#[tokio::test]
async fn a_valid_query_reaches_the_handler_with_defaults_and_aliases() {
    let (status, body) = call("/v1/calls").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"agent": null, "type": null, "limit": 50, "offset": 0})
    );
    let (status, body) = call("/v1/calls?agent_id=agt_x&type=chat&limit=5&offset=10").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"agent": "agt_x", "type": "chat", "limit": 5, "offset": 10})
    );
}

#[tokio::test]
async fn a_failed_rule_is_a_422_listing_every_field() {
    let (status, body) = call("/v1/calls?limit=0&offset=-1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "validation_failed");
    let paths: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert_eq!(paths, ["limit", "offset"]);
}

#[tokio::test]
async fn a_value_of_the_wrong_type_or_an_unknown_field_is_a_422_naming_it() {
    for (uri, path) in [
        ("/v1/calls?limit=ten", "limit"),
        ("/v1/calls?limit=", "limit"),
        ("/v1/calls?limit=1&limit=2", "limit"),
        ("/v1/calls?colour=red", "colour"),
        ("/v1/calls?agent_id=a%00b", "agent_id"),
    ] {
        let (status, body) = call(uri).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}: {body}");
        assert_eq!(body["code"], "validation_failed", "{uri}");
        assert_eq!(body["errors"][0]["path"], path, "{uri}: {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| d.starts_with(path)),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_query_that_is_not_text_is_a_400() {
    let (status, body) = call("/v1/calls?agent_id=%C3%28").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "malformed_query");
    assert!(body["detail"].is_string());
}
