-- Chat sessions, their messages and attachments (ARCHITECTURE §6, §6b; contract §2
-- chat_sessions, chat_messages, chat_attachments): agent-svc owns them, engine-svc owns the
-- runtimes that answer them and reports back through agent-svc's internal chat API.
-- Lists read them in `(tenant_id, session_id, created_at, id)` order, so pages never skip a row.

create table agent.chat_sessions (
    -- `chat_` + random; the monolith's `chat_{agent}_{ms}` has the same shape.
    id                       varchar(128) primary key check (id ~ '^chat_[A-Za-z0-9_-]{1,120}$'),
    tenant_id                varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id                 varchar(128) not null,
    status                   varchar(32)  not null default 'starting'
        check (status in ('starting', 'running', 'idle', 'completed', 'failed')),
    model                    varchar(256) not null,
    container_id             varchar(256),
    session_type             varchar(16)  not null default 'chat'
        check (session_type in ('chat', 'onboarding', 'pulse')),
    -- The member whose provider keys the session uses (auth-svc's id, no foreign key).
    user_id                  varchar(64),
    system_prompt_supplement text check (octet_length(system_prompt_supplement) <= 65536),
    thinking_level           varchar(32),
    key_resolution           jsonb,
    error                    text,
    created_at               bigint       not null,
    started_at               bigint,
    last_activity_at         bigint       not null,
    completed_at             bigint,
    constraint chat_sessions_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade,
    -- Target of the messages' and attachments' tenant-scoped foreign keys.
    constraint chat_sessions_tenant_id_key unique (tenant_id, id)
);
select djb.enable_tenant_rls('agent.chat_sessions');
create index idx_chat_sessions_agent on agent.chat_sessions (tenant_id, agent_id, created_at desc, id);
create index idx_chat_sessions_status on agent.chat_sessions (tenant_id, status, created_at, id);

create table agent.chat_messages (
    id            varchar(64)  primary key check (id ~ '^msg_[A-Za-z0-9_-]{1,56}$'),
    tenant_id     varchar(64)  not null references auth.tenants (id) on delete cascade,
    session_id    varchar(128) not null,
    role          varchar(16)  not null check (role in ('user', 'assistant', 'system')),
    content       text         not null,
    model         varchar(256),
    thinking      text,
    tool_calls    jsonb,
    -- Ids of the attachments sent with a user message.
    attachments   jsonb,
    created_at    bigint       not null,
    -- Null: an assistant answer still pending (the session's queue).
    completed_at  bigint,
    constraint chat_messages_session_fk foreign key (tenant_id, session_id)
        references agent.chat_sessions (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('agent.chat_messages');
create index idx_chat_messages_session on agent.chat_messages (tenant_id, session_id, created_at, id);
create index idx_chat_messages_pending on agent.chat_messages (tenant_id, session_id)
    where role = 'assistant' and completed_at is null;

create table agent.chat_attachments (
    -- Also the stored file's name under DATA_PATH/tenants/{t}/attachments/{session}/.
    id                 varchar(64)  primary key check (id ~ '^att_[A-Za-z0-9_-]{1,56}$'),
    tenant_id          varchar(64)  not null references auth.tenants (id) on delete cascade,
    session_id         varchar(128) not null,
    message_id         varchar(64),
    filename           varchar(512) not null,
    mime_type          varchar(128) not null,
    size_bytes         bigint       not null check (size_bytes >= 0),
    processing_status  varchar(32)  not null default 'uploaded'
        check (processing_status in ('uploaded', 'processed', 'failed')),
    extracted_text     text,
    estimated_tokens   integer,
    pdf_page_count     integer,
    created_at         bigint       not null,
    constraint chat_attachments_session_fk foreign key (tenant_id, session_id)
        references agent.chat_sessions (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('agent.chat_attachments');
create index idx_chat_attachments_session on agent.chat_attachments (tenant_id, session_id, created_at, id);
