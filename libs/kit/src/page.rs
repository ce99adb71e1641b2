//! Pages of a list (ARCHITECTURE §7): every list takes `limit` (1..=500) and `offset` (≥ 0);
//! a list the contract answers as a bare array stays one, with the total in `X-Total-Count`
//! and a `Link: <…>; rel="next"` header while more follow.

use axum::http::HeaderValue;
use axum::http::header::{HeaderMap, HeaderName, LINK};
use serde::Deserialize;

use crate::error::FieldError;
use crate::extract::Validate;
use crate::validate::{err, finish};

/// The most rows one page carries, whatever `limit` asks for.
pub const MAX_LIMIT: i64 = 500;

/// `limit` and `offset` of a query, checked; `default` is the list's own page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub fn new(limit: Option<i64>, offset: Option<i64>, default: i64) -> Self {
        Self {
            limit: limit.unwrap_or(default),
            offset: offset.unwrap_or(0),
        }
    }

    /// Adds the field errors of a limit outside 1..=500 or a negative offset.
    pub fn check(limit: Option<i64>, offset: Option<i64>, errors: &mut Vec<FieldError>) {
        if limit.is_some_and(|l| !(1..=MAX_LIMIT).contains(&l)) {
            errors.push(err("limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        if offset.is_some_and(|o| o < 0) {
            errors.push(err("offset", "must not be negative"));
        }
    }

    /// Whether rows follow this page in a list of `total`.
    pub fn has_more(&self, total: i64) -> bool {
        self.offset.saturating_add(self.limit) < total
    }

    /// `X-Total-Count`, and `Link` to the next page of `path` (with `filters`, already
    /// URL-safe `name=value` pairs) while more rows follow.
    pub fn headers(&self, path: &str, filters: &[String], total: i64) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-total-count"),
            HeaderValue::from(total),
        );
        if self.has_more(total) {
            let mut query = filters.to_vec();
            query.push(format!("limit={}", self.limit));
            query.push(format!("offset={}", self.offset.saturating_add(self.limit)));
            let link = format!("<{path}?{}>; rel=\"next\"", query.join("&"));
            if let Ok(value) = HeaderValue::from_str(&link) {
                headers.insert(LINK, value);
            }
        }
        headers
    }
}

/// `?limit&offset` of a list that has no other filter: 1..=500 (default 500), ≥ 0.
#[derive(Debug, Default, Clone, Copy, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> Page {
        Page::new(self.limit, self.offset, MAX_LIMIT)
    }
}

impl Validate for PageQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        Page::check(self.limit, self.offset, &mut errors);
        finish(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_filters_and_stops_at_the_end() {
        let page = Page::new(Some(2), Some(2), 500);
        let h = page.headers("/v1/projects/", &["status=active".to_owned()], 5);
        assert_eq!(h["x-total-count"], "5");
        assert_eq!(
            h[LINK],
            "</v1/projects/?status=active&limit=2&offset=4>; rel=\"next\""
        );
        assert!(page.headers("/v1/projects/", &[], 4).get(LINK).is_none());
        let mut errors = Vec::new();
        Page::check(Some(0), Some(-1), &mut errors);
        Page::check(Some(501), None, &mut errors);
        Page::check(Some(500), Some(0), &mut errors);
        assert_eq!(errors.len(), 3);
    }
}
