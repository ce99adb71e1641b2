//! Small pieces the settings, provider and call-log routes share: paging bounds and optional
//! filters (validated query strings are `kit::extract::ValidQuery`; the tenant-admin check is
//! `extract::TenantAdmin`).

use kit::error::FieldError;

use crate::domain::validate::err;

pub const MAX_LIMIT: i64 = 500;
pub const DEFAULT_LIMIT: i64 = 50;

pub fn default_limit() -> i64 {
    DEFAULT_LIMIT
}

/// `limit` in 1..=500 and `offset` ≥ 0.
pub fn check_page(limit: i64, offset: i64, errors: &mut Vec<FieldError>) {
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(err("limit", format!("must be between 1 and {MAX_LIMIT}")));
    }
    if offset < 0 {
        errors.push(err("offset", "must not be negative"));
    }
}

/// An optional filter value: empty strings count as absent (`?agent_id=`).
pub fn present(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.is_empty()).cloned()
}
