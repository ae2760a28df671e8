-- Every file that reached file-processor, from the end of its upload to the decision on it.
-- The queue is this table: a worker claims the oldest 'uploaded' row with FOR UPDATE SKIP LOCKED,
-- so two workers (or two file-processors on one database) never take the same file.
CREATE TABLE assets (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,          -- the uploader's file name, shown and used for the library
  state         text NOT NULL CHECK (state IN
                  ('uploaded', 'processing', 'processed', 'failed', 'confirmed', 'rejected')),
  declared_type text,                   -- what the upload said it was; a hint only
  media_type    text,                   -- what the content is
  size          bigint NOT NULL,
  sha256        text NOT NULL,          -- lower-case hex, computed while the bytes arrived
  metadata      jsonb NOT NULL DEFAULT '{}',
  thumbnails    jsonb NOT NULL DEFAULT '[]',
  reason        text,                   -- why it failed or was rejected
  stored_at     text,                   -- where the bytes are, relative to DATA_DIR; null once deleted
  library_path  text,                   -- where confirming put it, relative to the library
  attempts      integer NOT NULL DEFAULT 0,
  claimed_by    text,                   -- the file-processor node working on it
  claimed_at    timestamptz,
  decided_by    text,                   -- who confirmed or rejected it (a role, or file-processor)
  decided_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One live asset per content: an upload of the same bytes answers with the asset that holds them.
-- Rejected and failed rows do not count, so the same bytes may be tried again.
CREATE UNIQUE INDEX assets_live_sha256 ON assets (sha256)
  WHERE state NOT IN ('rejected', 'failed');

CREATE INDEX assets_queue ON assets (created_at) WHERE state = 'uploaded';
CREATE INDEX assets_state_created ON assets (state, created_at);
CREATE INDEX assets_created ON assets (created_at);
