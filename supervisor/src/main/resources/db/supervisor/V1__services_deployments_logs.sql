-- Managed services: the definition as the admin gave it, what the admin wants (desired), and the
-- process that runs it, so that a restarted supervisor can find it again (pid + start time guard
-- against PID reuse; the instance id is also in the process's environment).
CREATE TABLE services (
  name        text PRIMARY KEY,
  definition  jsonb NOT NULL,
  source      text NOT NULL DEFAULT 'api',      -- 'api' or 'file' (the services: section of switchboard.yaml)
  desired     text NOT NULL DEFAULT 'stopped',  -- 'running' or 'stopped'
  pid         integer,
  pgid        integer,
  proc_start  bigint,                           -- start time of pid in clock ticks since boot (/proc/<pid>/stat)
  instance    text,
  started_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every state transition of every service.
CREATE TABLE service_events (
  id       bigserial PRIMARY KEY,
  service  text NOT NULL,
  at       timestamptz NOT NULL DEFAULT now(),
  state    text NOT NULL,
  reason   text,
  pid      integer,
  exit     integer
);
CREATE INDEX service_events_service ON service_events (service, id);

-- Deployments: steps, then a restart gated on health, rolled back to the previous definition when
-- the gate fails.
CREATE TABLE deployments (
  id            bigserial PRIMARY KEY,
  service       text NOT NULL,
  state         text NOT NULL,                  -- queued, running, succeeded, failed, rolled_back, cancelled
  step          integer NOT NULL DEFAULT 0,     -- the step running or last run, 1-based
  steps         jsonb NOT NULL,
  definition    jsonb,                          -- the definition to deploy, when it changes
  previous      jsonb,                          -- the definition before, for the rollback
  health_timeout_ms bigint NOT NULL,
  reason        text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz
);
CREATE INDEX deployments_service ON deployments (service, id);

CREATE TABLE deployment_steps (
  deployment_id bigint NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  n             integer NOT NULL,
  name          text NOT NULL,
  state         text NOT NULL,                  -- running, succeeded, failed, cancelled
  exit          integer,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  PRIMARY KEY (deployment_id, n)
);

-- Output of services ('service:<name>') and deployments ('deployment:<id>'), one row per line.
-- seq numbers the lines of one source; a gap means lines were dropped.
CREATE TABLE log_lines (
  source  text NOT NULL,
  seq     bigint NOT NULL,
  at      timestamptz NOT NULL,
  stream  text NOT NULL,                        -- stdout, stderr, or switchboard (the supervisor's own notes)
  line    text NOT NULL,
  PRIMARY KEY (source, seq)
);
CREATE INDEX log_lines_at ON log_lines (at);
