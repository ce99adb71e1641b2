-- memory-svc's index of the tenants' vaults (docs/memory.md). The files under
-- DATA_PATH/tenants/{t}/vaults/{vault}/ stay the source of truth (runtimes read and write them);
-- these rows are what search and the link graph read, rebuilt from the files at any time.
--
-- `vault` is the owner of the vault: an agent id (`agt_…`) or `shared`. Agents live in
-- agent-svc's schema, so there is no foreign key to them (schemas do not reach into each other);
-- AGENT_DELETED removes an agent's rows.

create table memory.notes (
    tenant_id    varchar(64)  not null references auth.tenants (id) on delete cascade,
    vault        varchar(128) not null,
    -- relative to the vault, `/`-separated, ends in `.md`
    path         text         not null check (length(path) between 4 and 1024),
    title        text         not null,
    category     text         not null,
    note_type    text,
    tags         text[]       not null default '{}',
    aliases      text[]       not null default '{}',
    headings     text[]       not null default '{}',
    frontmatter  jsonb        not null default '{}',
    body         text         not null,
    -- the tags joined by spaces, for the search vector (array_to_string is not immutable)
    tag_text     text         not null default '',
    content_hash varchar(64)  not null,
    size_bytes   bigint       not null,
    -- the file's mtime when it was indexed: a scan re-reads only files whose size or mtime moved
    modified_ms  bigint       not null,
    created_at   bigint       not null,
    updated_at   bigint       not null,
    -- weights: title A, tags B, body D; the body is capped so a huge note cannot overflow
    -- tsvector's 1 MB limit
    tsv tsvector generated always as (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', tag_text), 'B')
        || setweight(to_tsvector('english', left(body, 262144)), 'D')
    ) stored,
    primary key (tenant_id, vault, path)
);
-- One GIN index over (tenant_id, tsv) (btree_gin, a contrib extension shipped with Postgres and
-- allowed on the managed services): a search reads only the matching notes of its tenant. With a
-- GIN index on tsv alone the planner preferred the tenant's primary-key range and tested every
-- note's vector (measured: 190 ms instead of 10 ms over 10,000 notes).
create extension if not exists btree_gin;
create index notes_tenant_tsv on memory.notes using gin (tenant_id, tsv);
-- The planner picks that index only with fresh statistics: analyze after 200 changed rows plus
-- 1 % (instead of 50 plus 10 %), so a vault indexed in bulk is searched through it within
-- autovacuum's next round (`autovacuum_naptime`, a minute by default).
alter table memory.notes set (autovacuum_analyze_threshold = 200, autovacuum_analyze_scale_factor = 0.01);
select djb.enable_tenant_rls('memory.notes');

-- The wiki-links written in a note, as written: they are resolved against the vault's notes
-- when a graph is read, so a note created later resolves links written earlier.
create table memory.links (
    tenant_id  varchar(64)  not null,
    vault      varchar(128) not null,
    src_path   text         not null,
    ord        integer      not null,
    -- `wiki` (in the body) or `frontmatter` (in a frontmatter value)
    kind       text         not null check (kind in ('wiki', 'frontmatter')),
    target     text         not null,
    heading    text,
    label      text,
    primary key (tenant_id, vault, src_path, ord),
    foreign key (tenant_id, vault, src_path)
        references memory.notes (tenant_id, vault, path) on delete cascade
);
select djb.enable_tenant_rls('memory.links');
