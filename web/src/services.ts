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
