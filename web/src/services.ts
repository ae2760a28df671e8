/** The services as the hub and the API tell them: the list, its colours and what may be done to each. */
import type { HostedProcess, Service, ServiceList, ServiceState, ServiceUpdate } from "./types";

export type Tone = "ok" | "busy" | "warn" | "bad" | "idle";

const TONES: Record<ServiceState, Tone> = {
  running: "ok",
  starting: "busy",
  stopping: "busy",
  backoff: "warn",
  unhealthy: "warn",
  errored: "bad",
  failed: "bad",
  stopped: "idle",
};

/** The colour of a state; a running service whose probe fails is `warn` too. */
export function tone(service: Pick<Service, "state" | "healthStatus">): Tone {
  if (service.state === "running" && service.healthStatus?.status === "unhealthy") {
    return "warn";
  }
  return TONES[service.state] ?? "idle";
}

export interface ServiceView {
  service: Service;
  /** When this app last heard of the service (ms since the epoch). */
  updatedAt: number;
}

export type ServiceMap = ReadonlyMap<string, ServiceView>;

/** Whether an entry of the list is a process run for another service (it has a `kind`), not a service. */
export function isHosted(entry: Service | HostedProcess): entry is HostedProcess {
  return "kind" in entry;
}

/** The whole list (`services:status` or the API's answer): what it does not name is gone. */
export function fromStatus(list: ServiceList, now: number): ServiceMap {
  const services = list.services.filter((entry): entry is Service => !isHosted(entry));
  return new Map(services.map((service) => [service.name, { service, updatedAt: now }]));
}

/** One `services:update`: the service as it is now, or `deleted`. Hosted processes are not services. */
export function applyUpdate(services: ServiceMap, update: ServiceUpdate, now: number): ServiceMap {
  if (isHosted(update)) {
    return services;
  }
  const next = new Map(services);
  if (update.update === "deleted") {
    next.delete(update.name);
    return next;
  }
  const { update: _what, ...service } = update;
  next.set(update.name, { service, updatedAt: now });
  return next;
}

/** A process the supervisor runs for another service (an MCP server instance), as this app last heard of it. */
export interface HostedView {
  process: HostedProcess;
  /** When this app last heard of the process (ms since the epoch). */
  updatedAt: number;
}

/** The hosted processes by name (`mcp:<server>[:<project>]`), kept next to the services, never among them. */
export type HostedMap = ReadonlyMap<string, HostedView>;

/** The hosted processes of the whole list (`services:status` or the API's answer): what it does not name is gone. */
export function hostedFromStatus(list: ServiceList, now: number): HostedMap {
  const hosted = list.services.filter(isHosted);
  return new Map(hosted.map((process) => [process.name, { process, updatedAt: now }]));
}

/** One `services:update` of a hosted process: the process as it is now, or `deleted` (it ended). Services are left to {@link applyUpdate}. */
export function applyHostedUpdate(hosted: HostedMap, update: ServiceUpdate, now: number): HostedMap {
  if (!isHosted(update)) {
    return hosted;
  }
  const next = new Map(hosted);
  if (update.update === "deleted") {
    next.delete(update.name);
    return next;
  }
  const { update: _what, ...process } = update;
  next.set(update.name, { process, updatedAt: now });
  return next;
}

/** The hosted processes by name. */
export function sortedHosted(hosted: HostedMap): HostedView[] {
  return [...hosted.values()].sort((a, b) => a.process.name.localeCompare(b.process.name));
}

/** The colour of a hosted process's state: running, or being stopped by its owner. */
export function hostedTone(process: Pick<HostedProcess, "state">): Tone {
  return process.state === "running" ? "ok" : "busy";
}

/**
 * What the Services page shows of a hosted process. It has no commands: it is started, stopped and
 * restarted by its owner (`managedBy`), never through the services API.
 */
export interface HostedRow {
  name: string;
  owner: string;
  server: string;
  /** The project of a `per-project` server's instance; empty for a shared one. */
  project: string;
  pid: number;
  /** Seconds since it started: the supervisor's last measure, else counted from `startedAt`. */
  uptimeSeconds: number | null;
  cpu: string;
  memory: string;
  commands: { start: false; stop: false; restart: false };
}

export function hostedRow(process: HostedProcess, now: number): HostedRow {
  const started = Date.parse(process.startedAt);
  const counted = Number.isFinite(started) ? Math.max(0, Math.floor((now - started) / 1000)) : null;
  const named = parseHostedName(process.name);
  return {
    name: process.name,
    owner: process.managedBy,
    server: process.labels.server ?? named?.server ?? process.name,
    project: process.labels.project ?? named?.project ?? "",
    pid: process.pid,
    uptimeSeconds: counted ?? process.stats?.uptimeSeconds ?? null,
    cpu: formatPercent(process.stats?.cpuPercent),
    memory: formatBytes(process.stats?.memoryBytes ?? process.stats?.rssBytes),
    commands: { start: false, stop: false, restart: false },
  };
}

/**
 * The MCP server and project of a hosted process's name (`mcp:everything`, `mcp:everything:alpha`),
 * null for any other name (a service's has no colon).
 */
export function parseHostedName(name: string): { server: string; project: string } | null {
  const match = /^mcp:([^:]+)(?::([^:]+))?$/.exec(name);
  return match ? { server: match[1], project: match[2] ?? "" } : null;
}

/** The services by name. */
export function sorted(services: ServiceMap): ServiceView[] {
  return [...services.values()].sort((a, b) => a.service.name.localeCompare(b.service.name));
}

/** The commands that make sense in a state (the supervisor decides; this hides the pointless ones). */
export function commands(state: ServiceState): { start: boolean; stop: boolean; restart: boolean } {
  const active = state === "running" || state === "starting" || state === "unhealthy" || state === "backoff";
  return { start: !active && state !== "stopping", stop: active, restart: state === "running" || state === "unhealthy" };
}

/** What to show as the service's error: the last probe's failure, or why it failed. */
export function errorMessage(service: Service): string | null {
  if (service.healthStatus?.status === "unhealthy" && service.healthStatus.message) {
    return service.healthStatus.message;
  }
  return tone(service) === "bad" || tone(service) === "warn" ? (service.reason ?? null) : null;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : `${value.toFixed(1)} %`;
}
