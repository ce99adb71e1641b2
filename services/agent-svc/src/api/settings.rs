//! Request and response types of the routes in `routes::settings`.

use kit::error::FieldError;
use kit::extract::Validate;

use crate::domain::settings::{Favorites, SettingsPatch};
use crate::domain::validate::finish;

impl Validate for SettingsPatch {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.check(&mut errors);
        finish(errors)
    }
}

impl Validate for Favorites {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.check(&mut errors);
        finish(errors)
    }
}
