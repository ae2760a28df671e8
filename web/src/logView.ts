/**
 * The log viewer's logic, free of the DOM: lines of several services in one time-ordered view or
 * side by side, the stream and text filter (sent to the API as `stream` and `q` for a search over
 * everything retained, and applied to the live lines as they arrive), and the exports.
 */
import { parseHostedName } from "./services";
import type { LogLine } from "./types";

export type Stream = LogLine["stream"];

export interface LogFilter {
  /** One stream, or every stream. */
  stream: Stream | "all";
  /** Lines containing this text, ignoring case, as the API's `q`; empty: every line. */
  text: string;
}

export const NO_FILTER: LogFilter = { stream: "all", text: "" };

/** A line with the service it came from. */
export interface ServiceLine extends LogLine {
  service: string;
}

/** Whether a line passes the filter, as the API's `stream` and `q` would decide. */
export function matches(line: LogLine, filter: LogFilter): boolean {
  if (filter.stream !== "all" && line.stream !== filter.stream) {
    return false;
  }
  return filter.text === "" || line.line.toLowerCase().includes(filter.text.toLowerCase());
}

/** The query of a log read with the filter: `?limit=200&stream=stderr&q=...`. */
export function logQuery(filter: LogFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  if (filter.stream !== "all") params.set("stream", filter.stream);
  if (filter.text !== "") params.set("q", filter.text);
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

/**
 * Where the API keeps a log: a service's at `/api/v1/services/{name}/logs`, an MCP server instance's
 * (`mcp:<server>[:<project>]`, a process the supervisor hosts for mcp-host) at
 * `/api/v1/mcp/servers/{server}/logs?project=`. The hub's `subscribe:logs` takes either name as it is.
 */
export function logPath(name: string, filter: LogFilter, extra: Record<string, string> = {}): string {
  const hosted = parseHostedName(name);
  if (hosted === null) {
    return `/api/v1/services/${encodeURIComponent(name)}/logs${logQuery(filter, extra)}`;
  }
  const params = hosted.project === "" ? extra : { ...extra, project: hosted.project };
  return `/api/v1/mcp/servers/${encodeURIComponent(hosted.server)}/logs${logQuery(filter, params)}`;
}

/** Lines by service, each service's in seq order. */
export type LinesByService = Readonly<Record<string, readonly LogLine[]>>;

/**
 * One service's lines with more added: lines already held (a tail overlapping what was live, a
 * replay after a reconnect) are left out, and only the newest `limit` are kept.
 */
export function addLines(held: readonly LogLine[], more: readonly LogLine[], limit: number): LogLine[] {
  const last = held.length > 0 ? held[held.length - 1].seq : -Infinity;
  const fresh = more.filter((line) => line.seq > last);
  const all = fresh.length === 0 ? [...held] : [...held, ...fresh];
  return all.length > limit ? all.slice(all.length - limit) : all;
}

/** Every service's lines in one view, oldest first by time (a service's own order kept), the newest `limit`. */
export function merged(byService: LinesByService, limit: number): ServiceLine[] {
  const all: ServiceLine[] = [];
  for (const [service, lines] of Object.entries(byService)) {
    for (const line of lines) all.push({ ...line, service });
  }
  all.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.service === b.service ? a.seq - b.seq : a.service < b.service ? -1 : 1));
  return all.length > limit ? all.slice(all.length - limit) : all;
}

/** NDJSON: one line object per line, with its service. */
export function toNdjson(lines: readonly ServiceLine[]): string {
  return lines.map((line) => JSON.stringify(line)).join("\n") + (lines.length > 0 ? "\n" : "");
}

/** The NDJSON export of one service (as `?format=ndjson` answers it) with the service in each line. */
export function tagNdjson(service: string, ndjson: string): ServiceLine[] {
  return ndjson
    .split("\n")
    .filter((text) => text.trim() !== "")
    .map((text) => ({ ...(JSON.parse(text) as LogLine), service }));
}

/** A file name for an export: `switchboard-logs-web-db-20260101T120000Z.ndjson` (`mcp_everything` for `mcp:everything`). */
export function exportName(services: readonly string[], extension: "ndjson" | "json", now: Date): string {
  // a hosted process's name has colons (mcp:everything:alpha), which some file systems refuse
  const who = services.length === 0 ? "none" : services.length > 3 ? `${services.length}-services` : services.join("-").replace(/[^A-Za-z0-9._-]/g, "_");
  const when = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `switchboard-logs-${who}-${when}.${extension}`;
}
