-- Raw host samples: the whole sample as published, and its flat numeric series for rollups and charts.
CREATE TABLE samples (
  ts      timestamptz PRIMARY KEY,
  sample  jsonb NOT NULL,
  metrics jsonb NOT NULL
);

-- One-minute rollups, one row per minute and series: average and maximum over that minute.
CREATE TABLE rollups (
  bucket  timestamptz NOT NULL,
  metric  text NOT NULL,
  avg     double precision NOT NULL,
  max     double precision NOT NULL,
  samples integer NOT NULL,
  PRIMARY KEY (bucket, metric)
);
