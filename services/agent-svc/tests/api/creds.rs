//! Credentials of the kinds the settings and call-log routes tell apart: tenant admins,
//! plain members, the engine's service token and agent runtime tokens.

use std::time::Duration;

use kit::testing::TestApp;
use kit::{Claims, TokenKind};

use crate::helpers::Tenant;

pub fn user(app: &TestApp, t: &Tenant, user_id: &str, admin: bool) -> String {
    let mut claims = Claims::access(
        user_id,
        t.id.clone(),
        TokenKind::User,
        Duration::from_secs(900),
    );
    claims.is_admin = admin;
    app.mint(&claims)
}

/// The tenant's owner with the admin claim.
pub fn admin(app: &TestApp, t: &Tenant) -> String {
    user(app, t, &t.user, true)
}

pub fn service(app: &TestApp, t: &Tenant) -> String {
    app.token(&t.id, "engine-svc", TokenKind::Service)
}

pub fn agent(app: &TestApp, t: &Tenant, agent_id: &str) -> String {
    let mut claims = Claims::access(
        agent_id,
        t.id.clone(),
        TokenKind::Agent,
        Duration::from_secs(900),
    );
    claims.agent_id = Some(agent_id.to_owned());
    app.mint(&claims)
}
