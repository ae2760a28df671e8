/**
 * The Deployments page's logic, free of the DOM: the request a form makes, a deployment's progress,
 * and the list kept current by `deployments:update` of the hub's /deployments.
 */
import type { components } from "./generated/api";

export type Deployment = components["schemas"]["Deployment"];
export type DeploymentRequest = components["schemas"]["DeploymentRequest"];

/** States after which nothing changes. */
const FINISHED = new Set<Deployment["state"]>(["succeeded", "failed", "rolled_back", "cancelled"]);

export function isActive(deployment: Deployment): boolean {
  return !FINISHED.has(deployment.state);
}

/**
 * The request of the form: each non-empty line of `steps` is one step, run by /bin/sh -c (so
 * `git pull && npm ci` is one step), named after its place.
 */
export function toRequest(service: string, steps: string, healthTimeout: string): DeploymentRequest {
  const lines = steps
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const request: DeploymentRequest = { service };
  if (lines.length > 0) {
    request.steps = lines.map((command, i) => ({ name: `step ${i + 1}`, command, shell: true }));
  }
  if (healthTimeout.trim() !== "") {
    request.healthTimeout = healthTimeout.trim();
  }
  return request;
}

/** How far a deployment is, 0 to 1: its finished steps, then the restart as the last part. */
export function progress(deployment: Deployment): number {
  if (deployment.state === "succeeded") return 1;
  const parts = deployment.totalSteps + 1;
  const done = deployment.steps.filter((step) => step.state === "succeeded").length;
  return Math.min(1, done / parts);
}

/** What a deployment is doing, in words. */
export function describeProgress(deployment: Deployment): string {
  switch (deployment.state) {
    case "queued":
      return "queued";
    case "running": {
      const running = deployment.steps.find((step) => step.state === "running");
      return running ? `step ${deployment.step} of ${deployment.totalSteps}: ${running.name}` : "restarting and waiting for health";
    }
    case "rolled_back":
      return `rolled back${deployment.reason ? `: ${deployment.reason}` : ""}`;
    case "failed":
      return `failed${deployment.reason ? `: ${deployment.reason}` : ""}`;
    default:
      return deployment.state;
  }
}

/** The list with a deployment as it is now: replaced where held, else added first; newest first, bounded. */
export function upsert(list: readonly Deployment[], deployment: Deployment, limit = 100): Deployment[] {
  const rest = list.filter((held) => held.id !== deployment.id);
  const all = [deployment, ...rest].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return all.slice(0, limit);
}
