-- project-svc: the agent-svc chat sessions an onboarding session has started, one per agent that
-- led it. A reply (CHAT_MESSAGE_COMPLETED) names only its chat session; this finds the onboarding
-- session it belongs to, also for a late reply of an agent that has handed the session on.
create table project.onboarding_chats (
    chat_session_id varchar(128) primary key,
    tenant_id       varchar(64)  not null,
    session_id      varchar(64)  not null,
    agent_id        varchar(128) not null,
    created_at      bigint       not null,
    constraint onboarding_chats_session_fk foreign key (tenant_id, session_id)
        references project.onboarding_sessions (tenant_id, id) on delete cascade
);
create index idx_onboarding_chats_session on project.onboarding_chats (tenant_id, session_id);
select djb.enable_tenant_rls('project.onboarding_chats');
