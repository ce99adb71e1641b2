//! What provider keys and secret-looking extra configuration show once stored (security review
//! L2): at most the last four characters, and nothing of a value shorter than 16.

use serde_json::json as j;

use crate::creds;
use crate::helpers::{send, spawn, tenant};
use crate::providers::{ANTHROPIC_KEY, set_key};

#[tokio::test]
async fn masks_show_at_most_four_trailing_characters_and_nothing_of_short_values() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let body = set_key(&app, &a, "anthropic", ANTHROPIC_KEY).await;
    assert_eq!(body["maskedApiKey"], "...mnop", "{body}");
    // A short key (under 16 characters) shows none of its characters.
    let body = set_key(&app, &a, "openai", "sk-short-12345").await;
    assert_eq!(body["maskedApiKey"], "***", "{body}");

    let extra = j!({"extraConfig": {"AWS_SECRET_ACCESS_KEY": "short-secret"}});
    let (status, body) = send(
        &app,
        "PUT",
        "/v1/settings/providers/amazon-bedrock",
        &creds::admin(&app, &a),
        Some(extra),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["maskedExtraConfig"]["AWS_SECRET_ACCESS_KEY"], "***",
        "{body}"
    );
}
