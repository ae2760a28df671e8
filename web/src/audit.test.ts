import { describe, expect, it } from "vitest";
import { ApiError } from "./problem";
import {
  NO_AUDIT_FILTER,
  auditQuery,
  describeAuditFailure,
  failAudit,
  filterAudit,
  initialAudit,
  loadingOlder,
  olderBefore,
  receiveAudit,
  type AuditEntry,
} from "./audit";

function entry(id: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id,
    at: new Date(Date.UTC(2026, 11, 5, 12, 0, id)).toISOString(),
    actor: "admin token",
    role: "admin",
    action: "service.stop",
    target: "web",
    outcome: "ok",
    status: 200,
    detail: null,
    address: "127.0.0.1",
    via: "api",
    ...extra,
  };
}

describe("audit query", () => {
  it("leaves empty filters out and asks for the newest 50", () => {
    expect(auditQuery(NO_AUDIT_FILTER)).toBe("?limit=50");
    expect(auditQuery({ actor: "  ", action: "", outcome: "" })).toBe("?limit=50");
  });

  it("sends the trimmed filters, the outcome and before, encoded", () => {
    const query = new URLSearchParams(auditQuery({ actor: " deploy bot ", action: "token.create", outcome: "refused" }, 120, 5).slice(1));
    expect(Object.fromEntries(query)).toEqual({ limit: "5", before: "120", actor: "deploy bot", action: "token.create", outcome: "refused" });
    expect(auditQuery({ ...NO_AUDIT_FILTER, actor: "a&b" })).toBe("?limit=50&actor=a%26b");
  });

  it("keeps the limit within 1 to 500", () => {
    expect(auditQuery(NO_AUDIT_FILTER, null, 0)).toBe("?limit=1");
    expect(auditQuery(NO_AUDIT_FILTER, null, 9000)).toBe("?limit=500");
  });
});

describe("audit view", () => {
  it("shows the first page newest first, then adds older pages below without repeats", () => {
    let view = initialAudit();
    expect(olderBefore(view)).toBeNull();
    view = receiveAudit(view, 0, { entries: [entry(9), entry(10), entry(8)], next: 8 }, false);
    expect(view.entries.map((e) => e.id)).toEqual([10, 9, 8]);
    expect(view.loading).toBe(false);
    expect(olderBefore(view)).toBe(8);

    view = loadingOlder(view);
    expect(olderBefore(view)).toBeNull();
    view = receiveAudit(view, 0, { entries: [entry(8), entry(7), entry(6)], next: null }, true);
    expect(view.entries.map((e) => e.id)).toEqual([10, 9, 8, 7, 6]);
    expect(olderBefore(view)).toBeNull();
  });

  it("starts again at a new filter and drops answers to the previous one", () => {
    let view = receiveAudit(initialAudit(), 0, { entries: [entry(3), entry(2)], next: 2 }, false);
    const earlier = view.generation;
    view = filterAudit(view, { actor: "", action: "", outcome: "failed" });
    expect(view.entries).toEqual([]);
    expect(view.loading).toBe(true);
    expect(view.filter.outcome).toBe("failed");

    expect(receiveAudit(view, earlier, { entries: [entry(1)], next: null }, true)).toBe(view);
    expect(failAudit(view, earlier, "gone")).toBe(view);
    view = receiveAudit(view, view.generation, { entries: [entry(5, { outcome: "failed" })], next: null }, false);
    expect(view.entries.map((e) => e.id)).toEqual([5]);
  });

  it("keeps the entries shown when a page fails, and says why", () => {
    let view = receiveAudit(initialAudit(), 0, { entries: [entry(3)], next: 3 }, false);
    view = failAudit(loadingOlder(view), 0, "Your role may not do this.");
    expect(view.entries.map((e) => e.id)).toEqual([3]);
    expect(view.error).toBe("Your role may not do this.");
    expect(olderBefore(view)).toBe(3);
  });
});

describe("audit failures", () => {
  it("says a server without the audit API has none, and any other failure as it is", () => {
    expect(describeAuditFailure(new ApiError({ status: 404, detail: "no route" }))).toContain("no audit log");
    expect(describeAuditFailure(new ApiError({ status: 403, detail: "admin only" }))).toBe("admin only");
  });
});
