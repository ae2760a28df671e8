import { describe, expect, it } from "vitest";
import {
  applyHostedUpdate,
  applyUpdate,
  commands,
  errorMessage,
  formatBytes,
  fromStatus,
  hostedFromStatus,
  hostedRow,
  hostedTone,
  parseHostedName,
  sorted,
  sortedHosted,
  tone,
} from "./services";
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

  const perProject: HostedProcess = {
    ...hosted,
    name: "mcp:lsp:alpha",
    labels: { server: "lsp", project: "alpha" },
    pid: 77,
    pgid: 77,
    startedAt: "2026-01-01T00:00:00Z",
    stats: { cpuPercent: 12.34, rssBytes: 3 * 1024 * 1024, threads: 9, processes: 1, uptimeSeconds: 30, restarts: 0 },
  };
  /** What the supervisor publishes when one ends: no command, pid or figures, only who it was. */
  const ended = { name: "mcp:everything", kind: "mcp", managedBy: "mcp-host", state: "deleted", reason: "exited with code 0", update: "deleted" } as unknown as ServiceUpdate;

  it("are kept in their own list, taken whole from services:status", () => {
    const list = { services: [service("a", "running"), perProject, hosted], timestamp: "" };
    const held = hostedFromStatus(list, 1);
    expect(sortedHosted(held).map((view) => view.process.name)).toEqual(["mcp:everything", "mcp:lsp:alpha"]);
    expect(held.get("mcp:lsp:alpha")).toEqual({ process: perProject, updatedAt: 1 });
    expect(hostedFromStatus({ services: [service("a", "running")], timestamp: "" }, 2).size).toBe(0);
  });

  it("follow services:update: a change replaces the process, an ended one is removed, a service's update is not theirs", () => {
    const held = hostedFromStatus({ services: [hosted, perProject], timestamp: "" }, 1);
    const stopping = applyHostedUpdate(held, { ...hosted, state: "stopping", update: "state" }, 5);
    expect(stopping.get("mcp:everything")).toEqual({ process: { ...hosted, state: "stopping" }, updatedAt: 5 });
    expect(stopping.get("mcp:lsp:alpha")!.updatedAt).toBe(1);
    expect(held.get("mcp:everything")!.process.state).toBe("running");

    const gone = applyHostedUpdate(stopping, ended, 6);
    expect([...gone.keys()]).toEqual(["mcp:lsp:alpha"]);
    expect(applyUpdate(fromStatus({ services: [service("a", "running")], timestamp: "" }, 1), ended, 6).size).toBe(1);

    const started = applyHostedUpdate(gone, { ...hosted, pid: 99, update: "state" }, 7);
    expect(started.get("mcp:everything")!.process.pid).toBe(99);
    expect(applyHostedUpdate(started, { ...service("a", "stopped"), update: "state" }, 8)).toBe(started);
    expect(applyHostedUpdate(started, { ...service("a", "stopped"), update: "deleted" }, 8)).toBe(started);
  });

  it("are shown with server, project, pid, uptime and figures, and with no commands", () => {
    const now = Date.parse("2026-01-01T00:01:05Z");
    expect(hostedRow(perProject, now)).toEqual({
      name: "mcp:lsp:alpha",
      owner: "mcp-host",
      server: "lsp",
      project: "alpha",
      pid: 77,
      uptimeSeconds: 65,
      cpu: "12.3 %",
      memory: "3.0 MiB",
      commands: { start: false, stop: false, restart: false },
    });
    const shared = hostedRow(hosted, now);
    expect([shared.server, shared.project, shared.cpu, shared.memory]).toEqual(["everything", "", "–", "–"]);
    expect(hostedRow({ ...perProject, stats: { ...perProject.stats!, memoryBytes: 2048 } }, now).memory).toBe("2.0 KiB");
    expect(hostedRow({ ...perProject, startedAt: "not a time" }, now).uptimeSeconds).toBe(30);
    expect(hostedTone(hosted)).toBe("ok");
    expect(hostedTone({ state: "stopping" })).toBe("busy");
  });

  it("are named mcp:<server>[:<project>], which no service name is", () => {
    expect(parseHostedName("mcp:everything")).toEqual({ server: "everything", project: "" });
    expect(parseHostedName("mcp:lsp:alpha")).toEqual({ server: "lsp", project: "alpha" });
    expect(parseHostedName("web")).toBeNull();
    expect(parseHostedName("mcp:")).toBeNull();
    expect(parseHostedName("mcp:a:b:c")).toBeNull();
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
