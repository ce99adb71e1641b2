-- A task's run is recorded when project-svc requests it (status `requested`), before engine-svc
-- has seen it; the start request it handed over is kept beside it.
alter table project.task_runs add column request jsonb;
