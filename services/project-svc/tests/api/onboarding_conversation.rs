//! What agents record in an onboarding session: the landing page and handoffs.

use kit::testing::Method;
use serde_json::json as j;

use crate::helpers::{assert_error, send, spawn, tenant};
use crate::onboarding::{LEAD, NEXT, agent_token, events, led_template, of_type, path, start};

#[tokio::test]
async fn the_landing_page_counts_versions_and_is_announced() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    led_template(&app, &a).await;
    let s = start(&app, &a, Some(j!({"templateId": "sales"}))).await;
    let lead = agent_token(&app, &a, LEAD);
    let (status, res) = send(
        &app,
        "PATCH",
        &path(&s, "/landing-page"),
        &lead,
        Some(j!({"html": "<h1>Bread</h1>"})),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["landingPageState"]["version"], 1);
    assert_eq!(res["landingPageState"]["last_agent_id"], LEAD);
    let (_, res) = send(
        &app,
        "PATCH",
        &path(&s, "/landing-page"),
        &a.token,
        Some(j!({"html": "<h1>Rye</h1>", "caption": "v2"})),
    )
    .await;
    assert_eq!(res["landingPageState"]["version"], 2);
    let too_big = "x".repeat(256 * 1024 + 1);
    for body in [
        j!({"html": too_big}),
        j!({"html": ""}),
        j!({"caption": "no html"}),
    ] {
        let (status, res) = send(
            &app,
            "PATCH",
            &path(&s, "/landing-page"),
            &a.token,
            Some(body),
        )
        .await;
        assert_error(status, &res, 422, "validation_failed");
    }
    // An agent that does not lead the session may not write to it.
    let other = agent_token(&app, &a, NEXT);
    let (status, _) = send(
        &app,
        "PATCH",
        &path(&s, "/landing-page"),
        &other,
        Some(j!({"html": "<p>x</p>"})),
    )
    .await;
    assert_eq!(status, 403);
    let got = app
        .client
        .setup(Method::GET, &path(&s, ""), &a.token, None)
        .await;
    assert_eq!(got["landing_page_state"]["html"], "<h1>Rye</h1>");
    assert_eq!(
        of_type(&events(&app, &a).await, "ONBOARDING_LANDING_PAGE_UPDATED").len(),
        2
    );
}

#[tokio::test]
async fn a_handoff_records_the_next_agent_and_announces_it() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let s = start(&app, &a, None).await;
    // The first agent of a session without one: ONBOARDING_STARTED.
    let (status, res) = send(
        &app,
        "POST",
        &path(&s, "/handoff"),
        &a.token,
        Some(j!({"next_agent_id": LEAD})),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert!(res["fromAgent"].is_null());
    assert_eq!(res["currentAgent"], LEAD);
    // The lead hands over, with context and a summary.
    let lead = agent_token(&app, &a, LEAD);
    let body = j!({"next_agent_id": NEXT, "from_agent_id": LEAD, "summary": "Scope is clear.",
                   "context_update": {"scope": "bakery"}, "conversation_highlights": ["two shops"]});
    let (status, res) = send(&app, "POST", &path(&s, "/handoff"), &lead, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(
        (res["fromAgent"].clone(), res["toAgent"].clone()),
        (j!(LEAD), j!(NEXT))
    );

    // Refused: stale sender, same agent, bad id, the former lead's credential.
    let refused = [
        (
            &a.token,
            j!({"next_agent_id": LEAD, "from_agent_id": LEAD}),
            409,
            "handoff_conflict",
        ),
        (
            &a.token,
            j!({"next_agent_id": NEXT}),
            422,
            "validation_failed",
        ),
        (
            &a.token,
            j!({"next_agent_id": "jim"}),
            422,
            "validation_failed",
        ),
        (&lead, j!({"next_agent_id": LEAD}), 403, "agent_scope"),
    ];
    for (token, body, want, code) in refused {
        let (status, res) = send(&app, "POST", &path(&s, "/handoff"), token, Some(body)).await;
        assert_error(status, &res, want, code);
    }
    let got = app
        .client
        .setup(Method::GET, &path(&s, ""), &a.token, None)
        .await;
    assert_eq!(got["current_agent_id"], NEXT);
    assert_eq!(got["context"], j!({"scope": "bakery"}));
    let notes: Vec<_> = got["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .collect();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1]["role"], "system");
    assert_eq!(notes[1]["agent_id"], LEAD);
    assert_eq!(notes[1]["handoff_to_agent"], NEXT);
    assert!(
        notes[1]["content"]
            .as_str()
            .expect("c")
            .contains("Scope is clear.")
    );

    let all = events(&app, &a).await;
    assert_eq!(of_type(&all, "ONBOARDING_STARTED").len(), 1, "{all:?}");
    let handoffs = of_type(&all, "ONBOARDING_HANDOFF");
    assert_eq!(handoffs.len(), 1, "{all:?}");
    assert_eq!(handoffs[0]["fromAgentId"], LEAD);
    assert_eq!(handoffs[0]["toAgentId"], NEXT);
    assert_eq!(of_type(&all, "ONBOARDING_CONTEXT_UPDATED").len(), 1);
}
