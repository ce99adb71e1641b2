//! Request and response bodies of the `internal` routes.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::Deserialize;

use crate::domain::api_keys::MAX_KEY_LEN;
use crate::domain::validate::finish;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectRequest {
    pub key: String,
}

impl Validate for IntrospectRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let ok = (1..=MAX_KEY_LEN).contains(&self.key.len());
        finish(if ok {
            Vec::new()
        } else {
            vec![FieldError {
                path: "key".into(),
                message: format!("must be 1-{MAX_KEY_LEN} characters"),
            }]
        })
    }
}
