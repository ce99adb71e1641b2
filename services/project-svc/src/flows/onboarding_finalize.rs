//! Finalizing an onboarding session: the project is created (its board as `POST /v1/projects/`
//! makes it, its onboarding context the session's merged with the request's) and the session
//! completes, in one transaction with PROJECT_CREATED and ONBOARDING_COMPLETED. After the
//! commit the project's planning run is requested as `POST /v1/projects/{p}/plan` does, and the
//! session's agent chat is ended: neither can undo the project.

use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::onboarding::OnboardingCompleted;
use shared_schemas::events::project::ProjectCreated;

use crate::agent_chat::AgentChat;
use crate::api::execution::PlanProjectRequest;
use crate::api::onboarding::{FinalizeRequest, Finalized};
use crate::api::projects::CreateProjectRequest;
use crate::domain::onboarding as rules;
use crate::flows::projects::event_id;
use crate::flows::{commit_with, execution, onboarding_chat, project_create};
use crate::store::onboarding::{self as store, SessionPatch};
use crate::store::{self as stores, now_ms};

pub async fn finalize(
    platform: &Platform,
    agent_chat: &AgentChat,
    ctx: &TenantContext,
    session_id: &str,
    req: FinalizeRequest,
) -> Result<Finalized, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let session = store::require(&mut tx, session_id, true).await?;
    rules::can_finalize(&session.status)?;
    let context = match req.context {
        Some(update) => rules::merge_context(&session.context.0, update)?,
        None => session.context.0.clone(),
    };
    let create = CreateProjectRequest {
        name: req.project_name,
        description: req.description,
        repository: req.repository,
        template_id: req.template_id.or_else(|| session.template_id.clone()),
        columns: None,
        status_semantics: None,
    };
    let (new, columns) = project_create::plan(&mut tx, create).await?;
    let now = now_ms();
    stores::projects::insert(&mut tx, &new, now).await?;
    let project_id = event_id(&new.id)?;
    stores::columns::insert_all(&mut tx, &project_id, &columns).await?;
    let context_text = serde_json::to_string(&context).map_err(ApiError::internal)?;
    stores::projects::set_onboarding_context(&mut tx, &new.id, &context_text).await?;
    let patch = SessionPatch {
        status: Some("completed"),
        context: Some(context),
        project_id: Some(new.id.clone()),
        completed_at: Some(now),
        ..SessionPatch::default()
    };
    store::update(&mut tx, &session.id, patch, now).await?;
    let chat = onboarding_chat::current_chat(&mut tx, &session).await?;
    let events = vec![
        Event::ProjectCreated(ProjectCreated {
            project_id: project_id.clone(),
            name: new.name.clone(),
        }),
        Event::OnboardingCompleted(OnboardingCompleted {
            onboarding_session_id: session.id.clone(),
            project_id,
        }),
    ];
    commit_with(tx, events).await?;

    let plan = PlanProjectRequest {
        pipeline_id: None,
        context: Some(context_text),
    };
    let (planning_run_id, planning_error) =
        match execution::plan(platform, ctx, &new.id, plan).await {
            Ok(planning) => (Some(planning.run_id), None),
            Err(err) => {
                tracing::warn!(project = %new.id, error = %err, "planning after onboarding failed");
                (None, Some(err.to_string()))
            }
        };
    if let Some(chat) = chat {
        onboarding_chat::end_quietly(agent_chat, ctx, &chat.agent_id, &chat.chat_session_id).await;
    }
    Ok(Finalized {
        session_id: session.id,
        project_id: new.id,
        project_name: new.name,
        planning_run_id,
        planning_error,
        status: "completed",
        workspace_setup: None,
    })
}
