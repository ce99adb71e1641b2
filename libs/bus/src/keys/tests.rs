use std::collections::BTreeSet;

use super::*;

fn tenant() -> TenantId {
    TenantId::parse("ten_alpha").expect("valid id")
}

fn other_tenant() -> TenantId {
    TenantId::parse("ten_beta").expect("valid id")
}

fn run() -> RunId {
    RunId::parse("run_1").expect("valid id")
}

fn agent() -> AgentId {
    AgentId::parse("agt_1").expect("valid id")
}

/// Where the spec puts a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Under `{prefix}:t:{tenant}:` (§3.5).
    Tenant,
    /// Outside the tenant namespace but with the tenant as a segment (`mcp:lease:{t}:{server}`).
    TenantSegment,
    /// Shared by all tenants (the global stream, run locks, instance bookkeeping).
    Global,
}

type Build = fn(&Keys, &TenantId) -> String;

/// Every name-building method of `Keys`. `every_builder_method_is_in_the_table` fails when a
/// method is added without a row here, so each new name gets the namespace checks below.
const TABLE: &[(&str, Scope, Build)] = &[
    ("global_events", Scope::Global, |k, _| k.global_events()),
    ("tenant_events", Scope::Tenant, |k, t| k.tenant_events(t)),
    ("run_events", Scope::Tenant, |k, t| k.run_events(t, &run())),
    ("engine_workers_group", Scope::Global, |k, _| {
        k.engine_workers_group()
    }),
    ("dead_letter", Scope::Tenant, |k, t| {
        k.dead_letter(&k.tenant_events(t))
    }),
    ("run_commands", Scope::Tenant, |k, t| {
        k.run_commands(t, &run())
    }),
    ("run_status", Scope::Tenant, |k, t| k.run_status(t, &run())),
    ("run_runtime", Scope::Tenant, |k, t| {
        k.run_runtime(t, &run())
    }),
    ("engine_executors_group", Scope::Global, |k, _| {
        k.engine_executors_group()
    }),
    ("run_logs", Scope::Tenant, |k, t| k.run_logs(t, &run())),
    ("engine_instance", Scope::Global, |k, _| {
        k.engine_instance("e-1")
    }),
    ("engine_instances_pattern", Scope::Global, |k, _| {
        k.engine_instances_pattern()
    }),
    ("tenant_run_slots", Scope::Tenant, |k, t| {
        k.tenant_run_slots(t)
    }),
    ("tenant_run_events_pattern", Scope::Tenant, |k, t| {
        k.tenant_run_events_pattern(t)
    }),
    ("tenant_engine_pattern", Scope::Tenant, |k, t| {
        k.tenant_engine_pattern(t)
    }),
    ("mcp_grants_changed", Scope::Tenant, |k, t| {
        k.mcp_grants_changed(t)
    }),
    ("tools_overrides_changed", Scope::Tenant, |k, t| {
        k.tools_overrides_changed(t)
    }),
    ("channel_credentials_changed", Scope::Tenant, |k, t| {
        k.channel_credentials_changed(t)
    }),
    ("messaging_permissions_changed", Scope::Tenant, |k, t| {
        k.messaging_permissions_changed(t)
    }),
    ("webhooks_github", Scope::Tenant, |k, t| {
        k.webhooks_github(t)
    }),
    ("mcp_lease", Scope::TenantSegment, |k, t| {
        k.mcp_lease(t, "srv")
    }),
    ("mcp_endpoint", Scope::TenantSegment, |k, t| {
        k.mcp_endpoint(t, "srv")
    }),
    ("mcp_last_used", Scope::TenantSegment, |k, t| {
        k.mcp_last_used(t, "srv")
    }),
    ("mcp_process_count", Scope::Global, |k, _| {
        k.mcp_process_count("pod-1")
    }),
    ("run_lock", Scope::Global, |k, _| k.run_lock(&run())),
    ("container", Scope::Global, |k, _| k.container(&run())),
    ("containers_pattern", Scope::Global, |k, _| {
        k.containers_pattern()
    }),
    ("pipeline_cache", Scope::TenantSegment, |k, t| {
        k.pipeline_cache(t, "pl")
    }),
    ("pipeline_generation", Scope::TenantSegment, |k, t| {
        k.pipeline_generation(Some(t), "pl")
    }),
    ("pipeline_invalidate", Scope::Global, |k, _| {
        k.pipeline_invalidate()
    }),
    ("slack_instances", Scope::Global, |k, _| k.slack_instances()),
    ("slack_heartbeat", Scope::Global, |k, _| {
        k.slack_heartbeat("pod-1")
    }),
    ("slack_assignment", Scope::TenantSegment, |k, t| {
        k.slack_assignment(t, &agent())
    }),
    ("slack_rebalance_trigger", Scope::Global, |k, _| {
        k.slack_rebalance_trigger()
    }),
    ("rate_limit", Scope::Tenant, |k, t| {
        k.rate_limit(t, 1_700_000)
    }),
    ("idempotency", Scope::Tenant, |k, t| k.idempotency(t, "abc")),
    ("tenant_status", Scope::Tenant, |k, t| k.tenant_status(t)),
    ("user_denied", Scope::Tenant, |k, t| {
        k.user_denied(t, "usr_1")
    }),
    ("auth_throttle", Scope::Global, |k, _| {
        k.auth_throttle("login", "2001:db8::/64", 7)
    }),
    ("login_known_address", Scope::Global, |k, _| {
        k.login_known_address("ab12", "192.0.2.1")
    }),
    ("waitlist_join_ip", Scope::Global, |k, _| {
        k.waitlist_join_ip("10.0.0.1")
    }),
    ("api_key_cache", Scope::Global, |k, _| {
        k.api_key_cache("ab12")
    }),
    ("oidc_state", Scope::Global, |k, _| k.oidc_state("st")),
    ("oidc_link", Scope::Global, |k, _| k.oidc_link("tk")),
    ("login_failures_ip", Scope::Global, |k, _| {
        k.login_failures_ip("10.0.0.1")
    }),
    ("login_failures_account", Scope::Global, |k, _| {
        k.login_failures_account("h1")
    }),
    ("login_lockout", Scope::Global, |k, _| k.login_lockout("h1")),
    ("pending_totp_used", Scope::Global, |k, _| {
        k.pending_totp_used("j1")
    }),
    ("fence", Scope::TenantSegment, |k, t| {
        k.fence(&k.mcp_lease(t, "srv"))
    }),
    ("agent_activity_group", Scope::Global, |k, _| {
        k.agent_activity_group()
    }),
    ("agent_work_locks", Scope::Tenant, |k, t| {
        k.agent_work_locks(t, &agent())
    }),
    ("agent_wakes", Scope::Tenant, |k, t| {
        k.agent_wakes(t, &agent(), "2026-11-22")
    }),
    ("project_cleanup_group", Scope::Global, |k, _| {
        k.project_cleanup_group()
    }),
    ("engine_reports_group", Scope::Global, |k, _| {
        k.engine_reports_group()
    }),
    // live streams read by sse-relay
    ("session_stream", Scope::Tenant, |k, t| {
        k.session_stream(t, "chat_eric_1")
    }),
    ("swarm_state", Scope::Tenant, |k, t| {
        k.swarm_state(t, "sw_1")
    }),
    ("swarm_progress", Scope::Tenant, |k, t| {
        k.swarm_progress(t, "sw_1")
    }),
    ("mcp_logs", Scope::Tenant, |k, t| k.mcp_logs(t)),
    ("container_logs", Scope::Global, |k, _| {
        k.container_logs("engine-1")
    }),
    ("merged_logs", Scope::Global, |k, _| k.merged_logs()),
    ("tenant_event_streams_pattern", Scope::Global, |k, _| {
        k.tenant_event_streams_pattern()
    }),
    ("memory_cleanup_group", Scope::Global, |k, _| {
        k.memory_cleanup_group()
    }),
    // chat sessions and pulses (keys/chat.rs)
    ("engine_chat_group", Scope::Global, |k, _| {
        k.engine_chat_group()
    }),
    ("engine_pulses_group", Scope::Global, |k, _| {
        k.engine_pulses_group()
    }),
    ("project_onboarding_group", Scope::Global, |k, _| {
        k.project_onboarding_group()
    }),
    ("chat_inbox", Scope::Tenant, |k, t| {
        k.chat_inbox(t, "chat_1")
    }),
    ("chat_lease", Scope::Tenant, |k, t| {
        k.chat_lease(t, "chat_1")
    }),
    ("chat_state", Scope::Tenant, |k, t| {
        k.chat_state(t, "chat_1")
    }),
    ("chat_active", Scope::Tenant, |k, t| k.chat_active(t)),
    ("chat_active_pattern", Scope::Global, |k, _| {
        k.chat_active_pattern()
    }),
    ("pulse_sessions", Scope::Tenant, |k, t| k.pulse_sessions(t)),
];

/// Methods of `Keys` that build no name.
const NOT_NAMES: &[&str] = &["new", "prefix"];

#[test]
fn every_builder_method_is_in_the_table() {
    // Every file that adds `Keys` methods, so none escapes the namespace checks below.
    let sources = [
        include_str!("../keys.rs"),
        include_str!("chat.rs"),
        include_str!("streams.rs"),
    ];
    let declared: BTreeSet<&str> = sources
        .iter()
        .flat_map(|source| source.lines())
        .filter_map(|line| line.trim_start().strip_prefix("pub fn "))
        .filter_map(|rest| rest.split(['(', '<']).next())
        .filter(|name| !NOT_NAMES.contains(name))
        .collect();
    let tabled: BTreeSet<&str> = TABLE.iter().map(|(name, ..)| *name).collect();
    assert_eq!(tabled.len(), TABLE.len(), "a method is listed twice");
    assert_eq!(declared, tabled, "add new `Keys` methods to TABLE");
}

#[test]
fn every_key_starts_with_the_prefix() {
    for prefix in ["djinnbot", "custom-prefix"] {
        let keys = Keys::new(prefix);
        for (name, _, build) in TABLE {
            let key = build(&keys, &tenant());
            assert!(key.starts_with(&format!("{prefix}:")), "{name}: {key}");
            if prefix != DEFAULT_PREFIX {
                assert!(
                    !key.contains(DEFAULT_PREFIX),
                    "{name} ignores the prefix: {key}"
                );
            }
        }
    }
}

#[test]
fn tenant_keys_sit_where_the_spec_puts_the_tenant() {
    let keys = Keys::new("p");
    let t = tenant();
    for (name, scope, build) in TABLE {
        let key = build(&keys, &t);
        let in_namespace = key.starts_with(&format!("p:t:{t}:"));
        let as_segment = key.contains(&format!(":{t}:")) || key.ends_with(&format!(":{t}"));
        match scope {
            Scope::Tenant => assert!(in_namespace, "{name}: {key}"),
            Scope::TenantSegment => assert!(!in_namespace && as_segment, "{name}: {key}"),
            Scope::Global => assert!(!key.contains(t.as_str()), "{name}: {key}"),
        }
    }
}

#[test]
fn two_tenants_never_share_a_key() {
    let keys = Keys::default();
    let of = |t: &TenantId| -> BTreeSet<String> {
        TABLE
            .iter()
            .filter(|(_, scope, _)| *scope != Scope::Global)
            .map(|(_, _, build)| build(&keys, t))
            .collect()
    };
    let alpha = of(&tenant());
    let beta = of(&other_tenant());
    let tenant_rows = TABLE.iter().filter(|(_, s, _)| *s != Scope::Global).count();
    assert_eq!(alpha.len(), tenant_rows, "two methods build the same key");
    assert!(alpha.is_disjoint(&beta), "{:?}", alpha.intersection(&beta));
}

#[test]
fn names_match_the_spec() {
    let keys = Keys::default();
    let t = tenant();
    let expected = [
        ("global_events", "djinnbot:events:global"),
        ("tenant_events", "djinnbot:t:ten_alpha:events:global"),
        ("run_events", "djinnbot:t:ten_alpha:events:run:run_1"),
        ("engine_workers_group", "djinnbot:cg:engine-workers"),
        ("run_commands", "djinnbot:t:ten_alpha:run:run_1:commands"),
        ("run_status", "djinnbot:t:ten_alpha:run:run_1:status"),
        ("run_runtime", "djinnbot:t:ten_alpha:run:run_1:runtime"),
        ("engine_executors_group", "djinnbot:cg:engine-executors"),
        ("run_logs", "djinnbot:t:ten_alpha:engine:run-logs:run_1"),
        ("engine_instance", "djinnbot:engine:instance:e-1"),
        ("engine_instances_pattern", "djinnbot:engine:instance:*"),
        ("tenant_run_slots", "djinnbot:t:ten_alpha:engine:run-slots"),
        (
            "mcp_grants_changed",
            "djinnbot:t:ten_alpha:mcp:grants-changed",
        ),
        (
            "tools_overrides_changed",
            "djinnbot:t:ten_alpha:tools:overrides-changed",
        ),
        (
            "channel_credentials_changed",
            "djinnbot:t:ten_alpha:channel:credentials-changed",
        ),
        (
            "messaging_permissions_changed",
            "djinnbot:t:ten_alpha:messaging-permissions:changed",
        ),
        ("webhooks_github", "djinnbot:t:ten_alpha:webhooks:github"),
        ("mcp_lease", "djinnbot:mcp:lease:ten_alpha:srv"),
        ("mcp_endpoint", "djinnbot:mcp:endpoint:ten_alpha:srv"),
        ("mcp_last_used", "djinnbot:mcp:last-used:ten_alpha:srv"),
        ("mcp_process_count", "djinnbot:mcp:process-count:pod-1"),
        ("run_lock", "djinnbot:lock:run:run_1"),
        ("container", "djinnbot:containers:run_1"),
        ("containers_pattern", "djinnbot:containers:*"),
        ("pipeline_cache", "djinnbot:pipeline-cache:ten_alpha:pl"),
        (
            "pipeline_generation",
            "djinnbot:pipeline-cache:gen:ten_alpha:pl",
        ),
        ("pipeline_invalidate", "djinnbot:pipeline:invalidate"),
        ("slack_instances", "djinnbot:slack:instances"),
        ("slack_heartbeat", "djinnbot:slack:heartbeat:pod-1"),
        (
            "slack_assignment",
            "djinnbot:slack:assignment:ten_alpha:agt_1",
        ),
        (
            "slack_rebalance_trigger",
            "djinnbot:slack:rebalance-trigger",
        ),
    ];
    for (name, want) in expected {
        let (_, _, build) = TABLE
            .iter()
            .find(|(row, ..)| *row == name)
            .expect("row exists");
        assert_eq!(build(&keys, &t), want, "{name}");
    }
}

#[test]
fn free_segments_cannot_inject_separators() {
    let keys = Keys::new("p");
    assert_eq!(
        keys.mcp_lease(&tenant(), "a:b*c"),
        "p:mcp:lease:ten_alpha:a%3Ab%2Ac"
    );
    assert_eq!(keys.slack_heartbeat("x:y"), "p:slack:heartbeat:x%3Ay");
}

#[test]
fn sse_relay_stream_names() {
    let keys = Keys::default();
    let t = tenant();
    assert_eq!(
        keys.session_stream(&t, "chat_eric_1"),
        "djinnbot:t:ten_alpha:sessions:chat_eric_1:stream"
    );
    assert_eq!(
        keys.swarm_state(&t, "sw_1"),
        "djinnbot:t:ten_alpha:swarm:sw_1:state"
    );
    assert_eq!(
        keys.swarm_progress(&t, "sw_1"),
        "djinnbot:t:ten_alpha:swarm:sw_1:progress"
    );
    assert_eq!(keys.mcp_logs(&t), "djinnbot:t:ten_alpha:mcp:logs");
    assert_eq!(keys.container_logs("engine-1"), "djinnbot:logs:engine-1");
    assert_eq!(keys.merged_logs(), "djinnbot:logs:merged");
    assert_eq!(keys.tenant_event_streams_pattern(), "djinnbot:t:*:events:*");
    // A session id is free-form (chat ids carry the agent slug): it cannot leave its segment.
    assert_eq!(
        keys.session_stream(&t, "x:*"),
        "djinnbot:t:ten_alpha:sessions:x%3A%2A:stream"
    );
}
