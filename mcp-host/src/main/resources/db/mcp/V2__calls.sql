-- Every tools/call the host served: who (the credential's name and role), how (the transport),
-- which server, project and tool, when, how long, how it ended; arguments only when the server's
-- definition says auditArguments (bounded). Never a header or a token. Kept mcp.callsRetention and
-- at most mcp.callsMaxRows rows; read newest first (id) through GET /api/v1/mcp/calls.
create table calls (
  id bigserial primary key,
  started_at timestamptz not null,
  duration_ms double precision not null,
  caller text,
  role text,
  via text not null,
  server text not null,
  project text not null default '',
  tool text not null,
  outcome text not null,
  error_code integer,
  arguments jsonb
);
create index calls_started_at on calls (started_at);
create index calls_server_id on calls (server, id);
create index calls_caller_id on calls (caller, id);
create index calls_tool_id on calls (tool, id);
