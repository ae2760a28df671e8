/** The REST API under /api/v1, with the session's credentials; a failure is an {@link ApiError}. */
import { authHeaders, signOut } from "./auth";
import { ApiError, toProblem } from "./problem";
import { logPath, NO_FILTER, type LogFilter } from "./logView";
import type { Deployment, DeploymentRequest } from "./deployments";
import type { Definition } from "./serviceForm";
import { auditQuery, type AuditFilter, type AuditPage } from "./audit";
import type { CreateTokenRequest, NewToken, Token } from "./tokens";
import type { AssetList, Asset, Decisions, History, Service, ServiceList, ServiceLogs, Sample, SystemInfo, LogLine } from "./types";

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, {
    ...init,
    headers: { Accept: "application/json", ...authHeaders(), ...(init.headers ?? {}) },
  });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    if (response.status === 401) {
      signOut();
    }
    throw new ApiError(toProblem(response.status, body));
  }
  if (response.status === 204) {
    return undefined as T;
  }
  return (await response.json()) as T;
}

function post<T>(path: string, body?: unknown, method = "POST"): Promise<T> {
  return request<T>(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export type Control = "start" | "stop" | "restart";

const servicePath = (name: string) => `/api/v1/services/${encodeURIComponent(name)}`;

export const api = {
  services: () => request<ServiceList>("/api/v1/services"),
  service: (name: string) => request<Service>(servicePath(name)),
  createService: (definition: Definition) => post<Service>("/api/v1/services", definition),
  updateService: (name: string, definition: Definition) => post<Service>(servicePath(name), definition, "PUT"),
  control: (name: string, action: Control) =>
    post<Service>(`/api/v1/services/${encodeURIComponent(name)}/${action}`),
  /**
   * A service's retained lines that pass the filter, the newest `limit`, oldest first; or those of an
   * MCP server instance the supervisor hosts (`mcp:<server>[:<project>]`, read from the MCP logs route).
   */
  logs: (name: string, filter: LogFilter = NO_FILTER, limit = 200) =>
    request<ServiceLogs>(logPath(name, filter, { limit: String(limit) })),
  /** Every retained line of a service (or hosted process) that passes the filter, as the API's NDJSON export. */
  exportLogs: async (name: string, filter: LogFilter): Promise<string> => {
    const response = await fetch(logPath(name, filter, { format: "ndjson" }), { headers: authHeaders() });
    if (!response.ok) {
      throw new ApiError(toProblem(response.status, await response.json().catch(() => null)));
    }
    return response.text();
  },
  deployments: (limit = 50) => request<{ deployments: Deployment[] }>(`/api/v1/deployments?limit=${limit}`),
  deploy: (request: DeploymentRequest) => post<Deployment>("/api/v1/deployments", request),
  cancelDeployment: (id: string) => post<Deployment>(`/api/v1/deployments/${encodeURIComponent(id)}/cancel`),
  deploymentLogs: (id: string, limit = 500) =>
    request<{ deploymentId: string; lines: LogLine[] }>(`/api/v1/deployments/${encodeURIComponent(id)}/logs?limit=${limit}`),
  stats: () => request<Sample>("/api/v1/system/stats"),
  info: () => request<SystemInfo>("/api/v1/system/info"),
  /** The host's history over [from, to) (seconds since the epoch) at `step` (`raw`, `2m`, `1h`...). */
  history: ({ from, to, step }: { from: number; to: number; step: string }) =>
    request<History>(
      `/api/v1/system/stats/history?from=${Math.round(from * 1000)}&to=${Math.round(to * 1000)}&step=${encodeURIComponent(step)}`,
    ),
  tokens: () => request<{ tokens: Token[] }>("/api/v1/tokens"),
  createToken: (token: CreateTokenRequest) => post<NewToken>("/api/v1/tokens", token),
  revokeToken: (id: string) => post<void>(`/api/v1/tokens/${encodeURIComponent(id)}`, undefined, "DELETE"),
  /** A page of the audit log, newest first: the newest, or those older than `before`. */
  audit: (filter: AuditFilter, before: number | null = null, limit?: number) =>
    request<AuditPage>(`/api/v1/audit${auditQuery(filter, before, limit)}`),
  assets: (limit = 60) => request<AssetList>(`/api/v1/assets?limit=${limit}`),
  confirm: (ids: string[]) => post<Decisions>("/api/v1/assets/confirm", { ids }),
  reject: (ids: string[]) => post<Decisions>("/api/v1/assets/reject", { ids }),
  /** A thumbnail as an object URL (an <img> cannot send the bearer header); the caller revokes it. */
  thumbnail: async (asset: Asset): Promise<string> => {
    const response = await fetch(`/api/v1/assets/${asset.id}/thumbnail`, { headers: authHeaders() });
    if (!response.ok) {
      throw new ApiError(toProblem(response.status, await response.json().catch(() => null)));
    }
    return URL.createObjectURL(await response.blob());
  },
};
