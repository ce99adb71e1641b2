//! Wire types shared by every DjinnBot service. Depends on nothing of ours (ARCHITECTURE §2).
//!
//! # What is in the crate
//!
//! - [`ids`]: prefixed id newtypes (`ten_…`, `usr_…`, `agt_…`, `prj_…`, `tsk_…`, `run_…`,
//!   `ak_…`, `ses_…`, `evt_…`) that validate on parse and deserialize, plus the unprefixed slugs
//!   people write in pipeline files ([`ids::PipelineId`], [`ids::StepId`]). With feature `sqlx`
//!   (kit turns it on) they bind as Postgres `text`, `Vec<Id>` as `text[]`, and decode from
//!   `text`/`varchar` columns with validation, so store code passes and reads ids, not strings.
//! - [`events`]: the event envelope of the Redis streams, one flat JSON object
//!   `{ "id", "type", "tenantId", "runId"?, "timestamp", ...payload }`, with a typed
//!   [`events::Event`] for every run-stream, global-stream and platform event type, and
//!   [`events::decode`] / [`events::RawEnvelope`] for consumers that must skip types they do not
//!   know.
//! - [`runs`]: what services say to each other about runs ([`runs::StartRun`], the payload of
//!   `RUN_REQUESTED`, and engine-svc's report that a task's run ended).
//! - [`runtime`]: the engine ⇄ agent-runtime protocol, [`runtime::RuntimeCommand`] (pub/sub,
//!   engine → runtime) and [`runtime::RuntimeMessage`] (one stream per runtime, runtime → engine).
//! - [`pipeline`]: the pipeline YAML model and [`pipeline::parse_pipeline`], whose errors name
//!   the line, column and path of the offending value.
//! - [`schema`]: [`schema_snapshot`], the JSON schema of every exported type, and
//!   [`schema::compat`], the rules that tell an additive change from a breaking one.
//!
//! Every exported type derives `serde` and `utoipa::ToSchema`; JSON field names are camelCase.
//!
//! # Changes are additive only
//!
//! Services deploy on their own schedule, so a reader built today must understand what a writer
//! built tomorrow sends, and the reverse (ARCHITECTURE §9). Allowed: new types, new optional
//! fields, new enum values and event types. Not allowed: removing or renaming a type, field, enum
//! value or event type, changing a field's type, making an optional field required, adding a
//! required field to an existing type. Those go through a deprecation cycle instead: add the new
//! shape beside the old one, move every producer and consumer, then remove the old one in a
//! release that bumps the crate's major version.
//!
//! The committed snapshot `schema/snapshot.json` enforces this: the `schema_snapshot` test fails
//! on any difference. After an additive change, review the listed differences and re-bless:
//!
//! ```text
//! UPDATE_SNAPSHOT=1 cargo nextest run -p shared-schemas
//! ```
//!
//! then commit the rewritten `schema/snapshot.json`. A breaking change fails even with
//! `UPDATE_SNAPSHOT=1`.

pub mod events;
pub mod ids;
pub mod pipeline;
pub mod runs;
pub mod runtime;
pub mod schema;
pub mod yaml;

pub use schema::schema_snapshot;
