/**
 * The shapes of the API and hub answers the app reads, after openapi/switchboard.yaml (the schemas
 * Service, Sample, History, Asset...). Written by hand until they are generated from the contract.
 */
export type ServiceState =
  | "stopped"
  | "starting"
  | "running"
  | "unhealthy"
  | "stopping"
  | "backoff"
  | "errored"
  | "failed";

export interface ServiceStats {
  cpuPercent: number | null;
  rssBytes: number;
  memoryBytes?: number;
  threads: number;
  processes: number;
  uptimeSeconds: number;
  restarts: number;
}

export interface Service {
  name: string;
  state: ServiceState;
  reason?: string;
  since: string;
  pid?: number;
  port?: number;
  restarts: number;
  lastExit?: number;
  pendingRestart?: boolean;
  healthStatus?: { status: "none" | "starting" | "healthy" | "unhealthy"; message?: string; lastCheck?: string };
  stats?: ServiceStats;
}

export interface ServiceList {
  services: Service[];
  timestamp: string;
}

/** A `services:update` of the hub: the service as it is now, and what changed. */
export type ServiceUpdate = Service & { update: "state" | "health" | "stats" | "definition" | "deleted" };

export interface LogLine {
  seq: number;
  ts: string;
  stream: "stdout" | "stderr" | "switchboard";
  line: string;
}

export interface LogBatch {
  serviceId: string;
  lines: LogLine[];
  skipped?: number;
  tail?: boolean;
}

export interface Gpu {
  index: number;
  name: string;
  utilizationPercent?: number;
  temperatureCelsius?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
}

export interface Sample {
  timestamp: string;
  hostname?: string;
  cpu: { usagePercent: number; cores: number[] };
  memory: { totalBytes: number; usedBytes: number; availableBytes: number; usagePercent: number };
  disks: { mount: string; totalBytes: number; usedBytes: number; freeBytes: number; usagePercent: number }[];
  network: { rxBytesPerSec: number; txBytesPerSec: number };
  gpus: Gpu[];
  uptimeSeconds: number;
}

export interface History {
  from: string;
  to: string;
  step: string;
  source: "samples" | "rollups";
  points: { timestamp: string; values: Record<string, number>; max?: Record<string, number> }[];
}

export interface SystemInfo {
  hostname: string;
  versions: { switchboard?: string; java: string; vertx?: string | null; postgresql?: string | null };
}

export type AssetState = "uploaded" | "processing" | "processed" | "failed" | "confirmed" | "rejected";

export interface Asset {
  id: string;
  name: string;
  state: AssetState;
  mediaType?: string | null;
  size: number;
  sha256: string;
  metadata: Record<string, unknown>;
  thumbnails: { size: number; width: number; height: number; mediaType: string }[];
  reason?: string | null;
  createdAt: string;
}

export interface AssetList {
  assets: Asset[];
  total: number;
  limit: number;
  offset: number;
}

export interface Decisions {
  succeeded: number;
  failed: number;
  results: { id: string; ok: boolean; asset?: Asset; error?: { code: string; message: string } }[];
}

/** An `upload:progress` of the hub's /files. */
export interface UploadProgress {
  uploadId: string;
  name: string;
  received: number;
  total: number | null;
  seq: number;
}
