//! Lists are bounded and paged (ARCHITECTURE §7): `limit` (1..=500) and `offset`, the total in
//! `X-Total-Count`, a `Link` to the next page while more follow, a stable order across pages.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::waitlist::{join, platform_admin};

/// `GET path` with `token`: status, `X-Total-Count`, `Link`, body.
async fn page(app: &kit::testing::TestApp, path: &str, token: &str) -> (u16, i64, String, Value) {
    let res = app
        .client
        .get(path)
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let total = header("x-total-count").parse().unwrap_or(-1);
    let link = header("link");
    (status, total, link, res.json().await.expect("json"))
}

fn ids(body: &Value) -> Vec<String> {
    body.as_array()
        .expect("an array")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Walks `base` two at a time and checks every row comes once, `total` in all.
async fn walk(app: &kit::testing::TestApp, base: &str, token: &str, total: usize) {
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut seen = Vec::new();
    for offset in (0..total).step_by(2) {
        let (status, count, link, body) =
            page(app, &format!("{base}{sep}limit=2&offset={offset}"), token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(count, i64::try_from(total).expect("fits"));
        let last = offset + 2 >= total;
        assert_eq!(
            link.is_empty(),
            last,
            "next link only while more follow: {link}"
        );
        if !last {
            assert!(link.contains(&format!("offset={}", offset + 2)), "{link}");
        }
        seen.extend(ids(&body));
    }
    let unique: BTreeSet<_> = seen.iter().collect();
    assert_eq!(
        (seen.len(), unique.len()),
        (total, total),
        "no row skipped or repeated"
    );
    for bad in ["limit=0", "limit=501", "offset=-1"] {
        let (status, _, _, body) = page(app, &format!("{base}{sep}{bad}"), token).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn api_key_lists_are_paged() {
    let app = spawn().await;
    let owner = access(&register(&app, "ada@example.com").await);
    for n in 0..5 {
        let body = json!({"name": format!("key {n}")});
        let (status, created) = send(&app, "POST", "/v1/auth/api-keys", &owner, Some(body)).await;
        assert_eq!(status, 201, "{created}");
    }
    walk(&app, "/v1/auth/api-keys", &owner, 5).await;
    walk(&app, "/v1/auth/api-keys/all", &owner, 5).await;
}

#[tokio::test]
async fn tenant_and_waitlist_lists_are_paged() {
    let app = spawn().await;
    let admin = platform_admin(&app).await;
    for n in 0..4 {
        register(&app, &format!("owner{n}@example.com")).await;
    }
    walk(&app, "/v1/tenants/", &admin, 5).await;
    for n in 0..5 {
        assert_eq!(join(&app, &format!("hopeful{n}@example.com")).await.0, 200);
    }
    walk(&app, "/v1/waitlist/", &admin, 5).await;
    walk(&app, "/v1/waitlist/?status=waiting", &admin, 5).await;
}
