import { describe, expect, it } from "vitest";
import { describeProgress, isActive, progress, toRequest, upsert, type Deployment } from "./deployments";

function deployment(id: string, state: Deployment["state"], extra: Partial<Deployment> = {}): Deployment {
  return {
    id,
    service: "web",
    state,
    step: 1,
    totalSteps: 2,
    steps: [
      { name: "pull", command: ["git", "pull"], env: {}, timeout: "30m", state: "succeeded" },
      { name: "build", command: ["npm", "ci"], env: {}, timeout: "30m", state: "running" },
    ],
    newDefinition: false,
    healthTimeout: "2m",
    createdAt: `2026-01-01T00:00:0${id}Z`,
    ...extra,
  };
}

describe("the form's request", () => {
  it("makes a shell step of every line", () => {
    expect(toRequest("web", "git pull\n\n  npm ci && npm run build  \n", "")).toEqual({
      service: "web",
      steps: [
        { name: "step 1", command: "git pull", shell: true },
        { name: "step 2", command: "npm ci && npm run build", shell: true },
      ],
    });
    expect(toRequest("web", "", " 5m ")).toEqual({ service: "web", healthTimeout: "5m" });
  });
});

describe("progress", () => {
  it("counts finished steps, the restart being the last part", () => {
    expect(progress(deployment("1", "running"))).toBeCloseTo(1 / 3);
    expect(progress(deployment("1", "succeeded"))).toBe(1);
    expect(describeProgress(deployment("1", "running", { step: 2 }))).toBe("step 2 of 2: build");
    expect(describeProgress(deployment("1", "rolled_back", { reason: "not healthy in 2m" }))).toBe("rolled back: not healthy in 2m");
    expect(isActive(deployment("1", "queued"))).toBe(true);
    expect(isActive(deployment("1", "cancelled"))).toBe(false);
  });
});

describe("the list", () => {
  it("replaces a deployment it holds and adds a new one first", () => {
    const list = [deployment("2", "running"), deployment("1", "succeeded")];
    expect(upsert(list, deployment("2", "succeeded")).map((d) => `${d.id}:${d.state}`)).toEqual(["2:succeeded", "1:succeeded"]);
    expect(upsert(list, deployment("3", "queued")).map((d) => d.id)).toEqual(["3", "2", "1"]);
    expect(upsert(list, deployment("3", "queued"), 2).map((d) => d.id)).toEqual(["3", "2"]);
  });
});
