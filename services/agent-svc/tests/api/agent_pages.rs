//! The agent list is bounded and paged (ARCHITECTURE §7): `limit` and `offset`, the total in
//! `X-Total-Count`, a `Link` to the next page, oldest first so pages never skip or repeat.

use crate::helpers::*;

#[tokio::test]
async fn the_agent_list_is_paged_and_stays_in_its_tenant() {
    let app = spawn().await;
    let (a, b) = (tenant(&app, "Alpha").await, tenant(&app, "Beta").await);
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(agent(&app, &a, &format!("agent-{n}")).await);
    }
    agent(&app, &b, "other").await;

    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let res = app
            .client
            .get(&format!("/v1/agents/?limit=2&offset={offset}"))
            .bearer_auth(&a.token)
            .send()
            .await
            .expect("send");
        assert_eq!(res.status().as_u16(), 200);
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(
            header("x-total-count").as_deref(),
            Some("5"),
            "only Alpha's"
        );
        let next = header("link");
        assert_eq!(next.is_none(), offset == 4, "{next:?}");
        let body: serde_json::Value = res.json().await.expect("json");
        seen.extend(
            body.as_array()
                .expect("a bare array, as the contract has it")
                .iter()
                .map(|agent| agent["id"].as_str().expect("id").to_owned()),
        );
    }
    assert_eq!(seen, made, "every agent once, oldest first");
    for bad in ["limit=0", "limit=501", "offset=-1"] {
        let (status, body) = send(&app, "GET", &format!("/v1/agents/?{bad}"), &a.token, None).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
}
