//! Prefixed id newtypes (`ten_…`, `usr_…`, `agt_…`) and the unprefixed slugs people write in
//! pipeline YAML (`PipelineId`, `StepId`).
//!
//! An id is its prefix followed by 1..=100 characters of `[A-Za-z0-9_-]`. That accepts the ids the
//! reference implementation already issued (`usr_` + 12 hex, `run_{ms}_{rand9}`) while rejecting
//! anything that could smuggle separators into Redis keys or file paths (`:`, `/`, `.`).

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde::{Deserialize, Deserializer, Serialize};

/// Characters after the prefix of a newly generated id.
const RANDOM_LEN: usize = 16;
const MAX_BODY_LEN: usize = 100;
const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("id must start with `{expected}`")]
    WrongPrefix { expected: &'static str },
    #[error("id must have 1 to {MAX_BODY_LEN} characters after its prefix")]
    BadLength,
    #[error("id may contain only letters, digits, `_` and `-` after its prefix")]
    BadCharacter,
}

/// Checks `value` against `prefix` and the id alphabet.
pub fn validate(prefix: &'static str, value: &str) -> Result<(), IdError> {
    let body = value
        .strip_prefix(prefix)
        .ok_or(IdError::WrongPrefix { expected: prefix })?;
    if body.is_empty() || body.len() > MAX_BODY_LEN {
        return Err(IdError::BadLength);
    }
    if !body
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(IdError::BadCharacter);
    }
    Ok(())
}

/// A fresh random id body: 16 characters of base36, about 82 bits.
pub fn random_body() -> String {
    let mut rng = rand::rng();
    (0..RANDOM_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Checks an unprefixed slug (pipeline and step ids) against the same alphabet and length limit.
pub fn validate_slug(value: &str) -> Result<(), IdError> {
    validate("", value)
}

/// The conversions every string id shares, whatever its validation.
macro_rules! string_id_impls {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(raw).map_err(serde::de::Error::custom)
            }
        }

        sqlx_impls!($name);
    };
}

/// With feature `sqlx`: ids bind as Postgres `text` (and `Vec<Id>` as `text[]`) and decode from
/// `text`/`varchar` columns, validating on the way in, so a corrupt row is an error naming the
/// type and the value instead of an id that was never checked.
#[cfg(feature = "sqlx")]
macro_rules! sqlx_impls {
    ($name:ident) => {
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }

            fn array_compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::postgres::PgHasArrayType>::array_compatible(ty)
            }
        }

        impl<'q> sqlx::Encode<'q, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Postgres>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(
                value: sqlx::postgres::PgValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let raw = <&str as sqlx::Decode<'r, sqlx::Postgres>>::decode(value)?;
                Self::parse(raw).map_err(|err| {
                    format!(
                        "{} `{raw}` read from the database: {err}",
                        stringify!($name)
                    )
                    .into()
                })
            }
        }
    };
}

#[cfg(not(feature = "sqlx"))]
macro_rules! sqlx_impls {
    ($name:ident) => {};
}

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, example = json!(concat!($prefix, "0a1b2c3d4e5f6g7h")))]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A new random id.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_body()))
            }

            /// Parses and validates an id.
            pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate($prefix, &value)?;
                Ok(Self(value))
            }
        }

        string_id_impls!($name);
    };
}

/// Ids chosen by people (in YAML files) rather than generated, so they carry no prefix.
macro_rules! slug_id {
    ($(#[$meta:meta])* $name:ident, $example:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, example = $example)]
        pub struct $name(String);

        impl $name {
            /// Parses and validates a slug.
            pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate_slug(&value)?;
                Ok(Self(value))
            }
        }

        string_id_impls!($name);
    };
}

prefixed_id!(
    /// A tenant (`ten_`): the unit of isolation.
    TenantId,
    "ten_"
);
prefixed_id!(
    /// A user account (`usr_`).
    UserId,
    "usr_"
);
prefixed_id!(
    /// An agent (`agt_`), globally unique; the slug is unique per tenant.
    AgentId,
    "agt_"
);
prefixed_id!(
    /// A project (`prj_`).
    ProjectId,
    "prj_"
);
prefixed_id!(
    /// A task (`tsk_`).
    TaskId,
    "tsk_"
);
prefixed_id!(
    /// A pipeline run (`run_`).
    RunId,
    "run_"
);
prefixed_id!(
    /// An API key (`ak_`).
    ApiKeyId,
    "ak_"
);
prefixed_id!(
    /// A login session holding a refresh-token family (`ses_`).
    SessionId,
    "ses_"
);
prefixed_id!(
    /// An event on the bus (`evt_`).
    EventId,
    "evt_"
);

slug_id!(
    /// A pipeline, named by the top-level `id` of its YAML file (`engineering`, `planning-agentic`).
    PipelineId,
    "engineering"
);
slug_id!(
    /// A step of a pipeline (`SPEC`, `IMPLEMENT`), unique within its pipeline.
    StepId,
    "IMPLEMENT"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back() {
        let id = TenantId::generate();
        assert!(id.as_str().starts_with("ten_"));
        assert_eq!(id.as_str().len(), 4 + RANDOM_LEN);
        assert_eq!(TenantId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn reference_ids_are_accepted() {
        assert!(UserId::parse("usr_0123456789ab").is_ok());
        assert!(RunId::parse("run_1712345678901_abc123def").is_ok());
    }

    #[test]
    fn bad_ids_are_refused() {
        assert_eq!(
            TenantId::parse("usr_abc"),
            Err(IdError::WrongPrefix { expected: "ten_" })
        );
        assert_eq!(TenantId::parse("ten_"), Err(IdError::BadLength));
        assert_eq!(TenantId::parse("ten_a:b"), Err(IdError::BadCharacter));
        assert_eq!(TenantId::parse("ten_../x"), Err(IdError::BadCharacter));
        assert_eq!(
            TenantId::parse(format!("ten_{}", "a".repeat(101))),
            Err(IdError::BadLength)
        );
    }

    #[test]
    fn slugs_take_no_prefix_but_keep_the_alphabet() {
        assert!(PipelineId::parse("planning-agentic").is_ok());
        assert!(StepId::parse("REVIEW_2").is_ok());
        assert_eq!(StepId::parse(""), Err(IdError::BadLength));
        assert_eq!(StepId::parse("a:b"), Err(IdError::BadCharacter));
        assert_eq!(PipelineId::parse("my pipeline"), Err(IdError::BadCharacter));
    }

    #[test]
    fn deserialize_validates() {
        let ok: Result<TenantId, _> = serde_json::from_str("\"ten_abc\"");
        assert!(ok.is_ok());
        let bad: Result<TenantId, _> = serde_json::from_str("\"ten_a b\"");
        assert!(bad.is_err());
    }
}
