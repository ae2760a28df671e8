/**
 * The shapes of the API and hub answers the app reads. Those of the REST API are the contract's own
 * (openapi/switchboard.yaml, turned into `generated/api.ts` by openapi-typescript at every build), so
 * a change to the contract that the app does not follow fails `tsc`; what only the hub sends is
 * written here, from the same schemas where it can be.
 */
import type { components, operations } from "./generated/api";

type Schemas = components["schemas"];

/** The JSON body of an operation's answer with `status`. */
type Answer<Op extends keyof operations, Status extends number = 200> = operations[Op]["responses"] extends {
  [S in Status]: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

export type Service = Schemas["Service"];
export type ServiceState = Service["state"];
export type ServiceStats = NonNullable<Service["stats"]>;
export type ServiceList = Schemas["ServiceList"];
/** A process the supervisor runs for another service (an MCP server instance), listed with the services. */
export type HostedProcess = Schemas["HostedProcess"];
export type LogLine = Schemas["LogLine"];
export type ServiceLogs = Schemas["ServiceLogs"];
export type Gpu = Schemas["Gpu"];
export type Sample = Schemas["Sample"];
export type History = Schemas["History"];
export type SystemInfo = Schemas["SystemInfo"];
export type AssetState = Schemas["AssetState"];
export type Asset = Schemas["Asset"];
export type AssetList = Answer<"listAssets">;
export type AuditEntry = Schemas["AuditEntry"];
export type AuditPage = Answer<"listAudit">;
export type Decisions = Schemas["Decisions"];

/** A `services:update` of the hub: the service as it is now, and what changed. */
export type ServiceUpdate = (Service | HostedProcess) & {
  update: "state" | "health" | "stats" | "definition" | "deleted";
};

/** A `logs` batch of the hub's /services: the lines of one service, oldest first. */
export interface LogBatch {
  serviceId: string;
  lines: LogLine[];
  skipped?: number;
  tail?: boolean;
}

/** An `upload:progress` of the hub's /files. */
export interface UploadProgress {
  uploadId: string;
  name: string;
  received: number;
  total: number | null;
  seq: number;
}
