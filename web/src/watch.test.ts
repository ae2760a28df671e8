import { describe, expect, it } from "vitest";
import { addChanges, CHANGE_LIMIT, describeAckError, readWatchAck, watchRequest, type WatchChange } from "./watch";

const change = (path: string, changeType: WatchChange["changeType"] = "created", watchId = "w1"): WatchChange => ({
  watchId,
  path,
  changeType,
});

describe("the watch request", () => {
  it("needs a path, trimmed", () => {
    expect(watchRequest("  incoming ", true)).toEqual({ path: "incoming", recursive: true });
    expect(watchRequest("   ", false)).toHaveProperty("error");
  });
});

describe("the watch ack", () => {
  it("gives the watch of an ok ack", () => {
    expect(readWatchAck({ ok: true, watchId: "wabc", path: "/data/library/in" })).toEqual({ watchId: "wabc", path: "/data/library/in" });
  });

  it("gives the code and message of a refusal, for the field", () => {
    const refused = readWatchAck({ ok: false, error: { code: "not_found", message: "no such directory: nope" } });
    expect(refused).toEqual({ error: { code: "not_found", message: "no such directory: nope" } });
    expect(describeAckError((refused as { error: { code: string; message: string } }).error)).toBe("no such directory: nope (not_found).");
    expect(describeAckError({ code: "forbidden", message: "viewer may not" })).toContain("Your role may not watch folders.");
  });

  it("never takes a malformed answer for a watch", () => {
    expect(readWatchAck(undefined)).toHaveProperty("error.code", "bad_answer");
    expect(readWatchAck({ ok: true })).toHaveProperty("error.code", "bad_answer");
    expect(readWatchAck({ ok: false, error: {} })).toEqual({ error: { code: "error", message: "the hub refused the watch" } });
  });
});

describe("the list of changes", () => {
  it("puts the newest first, with the time they arrived", () => {
    let rows = addChanges([], [change("a.txt")], "w1", 1000);
    rows = addChanges(rows, [change("a.txt", "changed"), change("b.txt")], "w1", 2000);
    expect(rows.map((row) => `${row.path} ${row.changeType} ${row.receivedAt}`)).toEqual([
      "b.txt created 2000",
      "a.txt changed 2000",
      "a.txt created 1000",
    ]);
    expect(new Set(rows.map((row) => row.key)).size).toBe(3);
  });

  it("keeps at most the limit, dropping the oldest", () => {
    let rows = addChanges([], [change("first")], "w1", 0);
    for (let i = 0; i < CHANGE_LIMIT + 50; i++) {
      rows = addChanges(rows, [change(`f${i}`)], "w1", i);
    }
    expect(rows).toHaveLength(CHANGE_LIMIT);
    expect(rows[0].path).toBe(`f${CHANGE_LIMIT + 49}`);
    expect(rows.some((row) => row.path === "first")).toBe(false);
    expect(addChanges([], Array.from({ length: 500 }, (_, i) => change(`burst${i}`)), "w1", 0, 10).map((r) => r.path)[0]).toBe("burst499");
  });

  it("leaves out changes of another watch, and everything when none is held", () => {
    const rows = addChanges([], [change("x")], "w1", 0);
    expect(addChanges(rows, [change("other", "deleted", "w2")], "w1", 1)).toBe(rows);
    expect(addChanges([], [change("x")], null, 0)).toEqual([]);
  });
});
