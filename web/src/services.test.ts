import { describe, expect, it } from "vitest";
import { applyUpdate, commands, errorMessage, formatBytes, fromStatus, sorted, tone } from "./services";
import type { HostedProcess, Service, ServiceUpdate } from "./types";

function service(name: string, state: Service["state"], extra: Partial<Service> = {}): Service {
  return {
    name,
    command: ["sleep", "60"],
    env: {},
    dependsOn: {},
    autostart: false,
    restart: { policy: "on-failure", initialDelay: "1s", maxDelay: "1m", resetAfter: "10m", limit: 10, window: "10m" },
    stopSignal: "TERM",
    stopTimeout: "10s",
    state,
    status: "Disconnected",
    since: "2026-01-01T00:00:00Z",
    restarts: 0,
    source: "api",
    ...extra,
  };
}

describe("state colours", () => {
  it("maps every state to its tone", () => {
    expect(tone(service("a", "running"))).toBe("ok");
    expect(tone(service("a", "starting"))).toBe("busy");
    expect(tone(service("a", "stopping"))).toBe("busy");
    expect(tone(service("a", "backoff"))).toBe("warn");
    expect(tone(service("a", "unhealthy"))).toBe("warn");
    expect(tone(service("a", "failed"))).toBe("bad");
    expect(tone(service("a", "errored"))).toBe("bad");
    expect(tone(service("a", "stopped"))).toBe("idle");
  });

  it("colours a running service whose probe fails as a warning", () => {
    expect(tone(service("a", "running", { healthStatus: { status: "unhealthy", message: "503" } }))).toBe("warn");
  });
});

describe("the service list", () => {
  it("takes the whole list from services:status, dropping what it no longer names", () => {
    const first = fromStatus({ services: [service("b", "running"), service("a", "stopped")], timestamp: "" }, 1);
    expect(sorted(first).map((view) => view.service.name)).toEqual(["a", "b"]);
    const second = fromStatus({ services: [service("a", "running")], timestamp: "" }, 2);
    expect([...second.keys()]).toEqual(["a"]);
    expect(second.get("a")).toEqual({ service: service("a", "running"), updatedAt: 2 });
  });

  it("applies an update with its time and without the update field, and removes a deleted service", () => {
    const list = fromStatus({ services: [service("a", "stopped"), service("b", "running")], timestamp: "" }, 1);
    const started: ServiceUpdate = { ...service("a", "starting"), update: "state" };
    const afterStart = applyUpdate(list, started, 5);
    expect(afterStart.get("a")).toEqual({ service: service("a", "starting"), updatedAt: 5 });
    expect(afterStart.get("b")!.updatedAt).toBe(1);
    expect(list.get("a")!.service.state).toBe("stopped");
    const deleted = applyUpdate(afterStart, { ...service("b", "stopped"), update: "deleted" }, 6);
    expect([...deleted.keys()]).toEqual(["a"]);
  });
});

describe("processes run for other services", () => {
  const hosted: HostedProcess = {
    name: "mcp:everything",
    kind: "mcp",
    managedBy: "mcp-host",
    command: ["node", "index.js", "stdio"],
    labels: { server: "everything", project: "" },
    state: "running",
    status: "Connected",
    since: "2026-01-01T00:00:00Z",
    pid: 42,
    pgid: 42,
    startedAt: "2026-01-01T00:00:00Z",
  };

  it("are not taken for services, in the list nor in an update", () => {
    const list = fromStatus({ services: [service("a", "running"), hosted], timestamp: "" }, 1);
    expect([...list.keys()]).toEqual(["a"]);
    expect(applyUpdate(list, { ...hosted, update: "stats" }, 2)).toBe(list);
    expect(applyUpdate(list, { ...hosted, update: "deleted" }, 3)).toBe(list);
  });
});

describe("commands and errors", () => {
  it("offers start to a stopped or failed service and stop and restart to a running one", () => {
    expect(commands("stopped")).toEqual({ start: true, stop: false, restart: false });
    expect(commands("failed")).toEqual({ start: true, stop: false, restart: false });
    expect(commands("running")).toEqual({ start: false, stop: true, restart: true });
    expect(commands("backoff")).toEqual({ start: false, stop: true, restart: false });
    expect(commands("stopping")).toEqual({ start: false, stop: false, restart: false });
  });

  it("shows the probe's failure or the reason of a bad state, and nothing for a healthy one", () => {
    expect(errorMessage(service("a", "failed", { reason: "port 8080 taken" }))).toBe("port 8080 taken");
    expect(errorMessage(service("a", "running", { reason: "started", healthStatus: { status: "unhealthy", message: "HTTP 503" } }))).toBe("HTTP 503");
    expect(errorMessage(service("a", "running", { reason: "started" }))).toBeNull();
  });

  it("formats bytes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
    expect(formatBytes(undefined)).toBe("–");
  });
});
