-- MCP server definitions, as the API and the mcp: section of the config file give them (canonical
-- form; env values included, never shown in lists)
create table servers (
  name text primary key,
  definition jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index servers_name_lower on servers (lower(name));
