//! Redis ACL users: one per service, one per running agent (security review H2).
//!
//! Without them every holder of `REDIS_URL` can read and write every key: forge cache entries,
//! lift suspensions, read other tenants' stored responses, inject run commands. The rules here
//! are derived from the names in [`crate::keys`] and kept next to them, so a new key family is
//! granted in the same change that names it:
//!
//! - every service (kit): API-key cache, tenant status (read only, except auth-svc), rate-limit
//!   and idempotency keys, the global and tenant event streams, `+@all -@dangerous`;
//! - each service adds its own families (auth-svc `auth:*`/`oidc:*`, agent-svc `t:*:agent:*`,
//!   engine-svc runs, locks and containers, …) and the pub/sub channels it uses;
//! - a run's agent-runtime gets `{prefix}:t:{tenant}:run:{run}:*` keys and channels, nothing else
//!   ([`create_run_user`]).
//!
//! `ACL SETUSER … reset` makes applying the rules idempotent: a user has exactly these rules
//! afterwards. Passwords are given as SHA-256 (`#…`), so the printed commands hold no secret.

use redis::aio::ConnectionLike;
use shared_schemas::ids::{RunId, TenantId};

use crate::Keys;
use crate::error::BusError;

/// Every service this module knows the rules of.
pub const SERVICES: &[&str] = &[
    "auth-svc",
    "agent-svc",
    "project-svc",
    "memory-svc",
    "engine-svc",
    "sse-relay",
    "mcp-svc",
    "slack-svc",
    "webhook-gw",
];

/// The ACL user name of `service` (one per installation prefix).
pub fn service_user(keys: &Keys, service: &str) -> String {
    format!("{}-{service}", keys.prefix())
}

/// The ACL user name of a run's agent-runtime.
pub fn run_user(keys: &Keys, run: &RunId) -> String {
    format!("{}-run-{run}", keys.prefix())
}

/// The rules of `service`'s user, after `reset` and its password.
pub fn service_rules(keys: &Keys, service: &str) -> Vec<String> {
    let p = keys.prefix();
    let mut rules: Vec<String> = vec![
        "+@all".into(),
        "-@dangerous".into(),
        // kit, in every service
        format!("~{p}:auth:api-key:*"),
        format!("~{p}:t:*:ratelimit:*"),
        format!("~{p}:t:*:idempotency:*"),
        format!("~{p}:events:global"),
        format!("~{p}:events:global:dead"),
        format!("~{p}:t:*:events:*"),
    ];
    // Only auth-svc writes tenant statuses and the user denylist; everyone reads them.
    rules.extend(if service == "auth-svc" {
        [
            format!("~{p}:t:*:status"),
            format!("~{p}:t:*:auth:denied:*"),
        ]
    } else {
        [
            format!("%R~{p}:t:*:status"),
            format!("%R~{p}:t:*:auth:denied:*"),
        ]
    });
    let own: &[&str] = match service {
        "auth-svc" => &["~{p}:auth:*", "~{p}:oidc:*"],
        "agent-svc" => &[
            "~{p}:t:*:agent:*",
            "&{p}:t:*:tools:overrides-changed",
            "&{p}:t:*:messaging-permissions:changed",
            "&{p}:t:*:channel:credentials-changed",
            "&{p}:t:*:mcp:grants-changed",
            // a changed channel token asks the Slack bridges to rebalance their bots
            "&{p}:slack:rebalance-trigger",
        ],
        "engine-svc" => &[
            "~{p}:t:*:run:*",
            "~{p}:lock:run:*",
            "~{p}:containers:*",
            "~{p}:pipeline-cache:*",
            "~{p}:engine:*",
            "~{p}:t:*:engine:*",
            // chat sessions: inbox, lease, state and the session streams sse-relay serves
            "~{p}:t:*:chat:*",
            "~{p}:t:*:sessions:*",
            "~{p}:t:*:pulse:*",
            "~{p}:t:*:agent:*:wakes:*",
            "&{p}:t:*:run:*",
            "&{p}:pipeline:invalidate",
            // It makes and removes the users of the runs it spawns (create_run_user).
            "+acl|setuser",
            "+acl|deluser",
        ],
        // Reads only: the streams it serves beyond the event streams every service reads. It
        // subscribes to no channel (every source is a stream), so it has no channel rule, which
        // would also open every tenant key to it.
        "sse-relay" => &[
            "%R~{p}:t:*:sessions:*",
            "%R~{p}:t:*:swarm:*",
            "%R~{p}:t:*:mcp:logs",
            "%R~{p}:logs:*",
        ],
        "mcp-svc" => &["~{p}:mcp:*", "&{p}:t:*:mcp:grants-changed"],
        "slack-svc" => &[
            "~{p}:slack:*",
            "&{p}:slack:rebalance-trigger",
            "&{p}:t:*:channel:credentials-changed",
        ],
        "webhook-gw" => &["~{p}:t:*:webhooks:*", "&{p}:t:*:webhooks:*"],
        _ => &[],
    };
    for rule in own {
        let rule = rule.replace("{p}", p);
        // The outbox's batch script names a notice's channel among its KEYS (it checks the
        // name's type before publishing), so a channel a service publishes to must also pass
        // as a key name. Nothing is ever stored under these names.
        if let Some(channel) = rule.strip_prefix('&') {
            rules.push(format!("~{channel}"));
        }
        rules.push(rule);
    }
    rules
}

/// The rules of a run's user: its own keys and channels, reads, writes, streams and pub/sub.
pub fn run_rules(keys: &Keys, tenant: &TenantId, run: &RunId) -> Vec<String> {
    let scope = format!("{}:t:{tenant}:run:{run}:*", keys.prefix());
    vec![
        "-@all".into(),
        "+@connection".into(),
        "+@read".into(),
        "+@write".into(),
        "+@stream".into(),
        "+@pubsub".into(),
        "+@transaction".into(),
        "-@dangerous".into(),
        format!("~{scope}"),
        format!("&{scope}"),
    ]
}

/// The full `ACL SETUSER` arguments for `user` with `password` and `rules`.
fn setuser_args(user: &str, password: &str, rules: &[String]) -> Vec<String> {
    let mut args = vec![
        "SETUSER".to_owned(),
        user.to_owned(),
        "reset".to_owned(),
        "resetchannels".to_owned(),
        "on".to_owned(),
        format!("#{}", sha256_hex(password)),
    ];
    args.extend(rules.iter().cloned());
    args
}

/// `ACL SETUSER …` for `service` as one line, for `redis-cli` (stack.sh, managed Redis).
pub fn service_setuser_line(keys: &Keys, service: &str, password: &str) -> String {
    let args = setuser_args(
        &service_user(keys, service),
        password,
        &service_rules(keys, service),
    );
    format!("ACL {}", args.join(" "))
}

/// Creates (or resets) `service`'s user with `password`.
pub async fn apply_service_user<C: ConnectionLike>(
    conn: &mut C,
    keys: &Keys,
    service: &str,
    password: &str,
) -> Result<String, BusError> {
    let user = service_user(keys, service);
    redis::cmd("ACL")
        .arg(setuser_args(&user, password, &service_rules(keys, service)))
        .query_async::<()>(conn)
        .await?;
    Ok(user)
}

/// Makes the user a run's agent-runtime connects as: only `{prefix}:t:{tenant}:run:{run}:*`
/// keys and channels. Returns `(user, password)`; the password exists only in the answer.
pub async fn create_run_user<C: ConnectionLike>(
    conn: &mut C,
    keys: &Keys,
    tenant: &TenantId,
    run: &RunId,
) -> Result<(String, String), BusError> {
    let user = run_user(keys, run);
    let password = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    redis::cmd("ACL")
        .arg(setuser_args(
            &user,
            &password,
            &run_rules(keys, tenant, run),
        ))
        .query_async::<()>(conn)
        .await?;
    Ok((user, password))
}

/// Removes a run's user (its open connections are closed by Redis). Unknown users are fine.
pub async fn delete_run_user<C: ConnectionLike>(
    conn: &mut C,
    keys: &Keys,
    run: &RunId,
) -> Result<(), BusError> {
    redis::cmd("ACL")
        .arg("DELUSER")
        .arg(run_user(keys, run))
        .query_async::<()>(conn)
        .await?;
    Ok(())
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_gets_kit_keys_and_only_auth_svc_writes_statuses() {
        let keys = Keys::new("djb");
        for service in SERVICES {
            let rules = service_rules(&keys, service);
            assert!(
                rules.contains(&"~djb:auth:api-key:*".to_owned()),
                "{service}"
            );
            let writes_status = rules.contains(&"~djb:t:*:status".to_owned());
            assert_eq!(writes_status, *service == "auth-svc", "{service}");
            // kit checks the user denylist on every request, in every service.
            let denylist = if *service == "auth-svc" {
                "~djb:t:*:auth:denied:*"
            } else {
                "%R~djb:t:*:auth:denied:*"
            };
            assert!(rules.contains(&denylist.to_owned()), "{service}");
        }
        let line = service_setuser_line(&keys, "agent-svc", "pw");
        assert!(line.starts_with("ACL SETUSER djb-agent-svc reset resetchannels on #"));
        assert!(!line.contains(" >pw"), "no plaintext password");
    }
}
