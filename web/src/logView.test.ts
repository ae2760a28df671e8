import { describe, expect, it } from "vitest";
import { addLines, exportName, logPath, logQuery, matches, merged, NO_FILTER, tagNdjson, toNdjson } from "./logView";
import type { LogLine } from "./types";

const line = (seq: number, ts: string, text = `line ${seq}`, stream: LogLine["stream"] = "stdout"): LogLine => ({
  seq,
  ts: `2026-01-01T00:00:${ts}Z`,
  stream,
  line: text,
});

describe("the filter", () => {
  it("keeps a stream's lines and lines containing the text, ignoring case", () => {
    expect(matches(line(1, "00", "Listening on 8080"), { stream: "all", text: "listening" })).toBe(true);
    expect(matches(line(1, "00", "Listening", "stderr"), { stream: "stdout", text: "" })).toBe(false);
    expect(matches(line(1, "00", "ok"), { stream: "stdout", text: "error" })).toBe(false);
    expect(matches(line(1, "00", "ok"), NO_FILTER)).toBe(true);
  });

  it("becomes the API's query", () => {
    expect(logQuery(NO_FILTER)).toBe("");
    expect(logQuery({ stream: "stderr", text: "out of memory" }, { limit: "500" })).toBe("?limit=500&stream=stderr&q=out+of+memory");
  });

  it("reads a service's log from the services route and an MCP server instance's from the MCP route", () => {
    expect(logPath("web", NO_FILTER, { limit: "200" })).toBe("/api/v1/services/web/logs?limit=200");
    expect(logPath("mcp:everything", { stream: "stderr", text: "" }, { limit: "200" })).toBe("/api/v1/mcp/servers/everything/logs?limit=200&stream=stderr");
    expect(logPath("mcp:lsp:alpha", NO_FILTER, { format: "ndjson" })).toBe("/api/v1/mcp/servers/lsp/logs?format=ndjson&project=alpha");
  });
});

describe("lines of several services", () => {
  it("adds only lines not held yet, keeping the newest", () => {
    const held = [line(1, "01"), line(2, "02")];
    expect(addLines(held, [line(2, "02"), line(3, "03")], 10).map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(addLines(held, [line(3, "03"), line(4, "04")], 3).map((l) => l.seq)).toEqual([2, 3, 4]);
  });

  it("merges them by time, each service's order kept, bounded", () => {
    const view = merged({ web: [line(1, "01"), line(2, "03")], db: [line(7, "02"), line(8, "03")] }, 10);
    expect(view.map((l) => `${l.service}:${l.seq}`)).toEqual(["web:1", "db:7", "db:8", "web:2"]);
    expect(merged({ web: [line(1, "01"), line(2, "03")], db: [line(7, "02")] }, 2).map((l) => l.seq)).toEqual([7, 2]);
  });
});

describe("exports", () => {
  it("write NDJSON with the service in each line, and read the API's back", () => {
    const lines = tagNdjson("web", '{"seq":1,"ts":"2026-01-01T00:00:00Z","stream":"stdout","line":"a"}\n\n');
    expect(lines).toEqual([{ seq: 1, ts: "2026-01-01T00:00:00Z", stream: "stdout", line: "a", service: "web" }]);
    expect(toNdjson(lines)).toBe('{"seq":1,"ts":"2026-01-01T00:00:00Z","stream":"stdout","line":"a","service":"web"}\n');
    expect(toNdjson([])).toBe("");
  });

  it("name the file after the services and the time", () => {
    const now = new Date("2026-01-01T12:00:00.123Z");
    expect(exportName(["web", "db"], "ndjson", now)).toBe("switchboard-logs-web-db-20260101T120000Z.ndjson");
    expect(exportName(["a", "b", "c", "d"], "json", now)).toBe("switchboard-logs-4-services-20260101T120000Z.json");
    expect(exportName(["mcp:lsp:alpha"], "ndjson", now)).toBe("switchboard-logs-mcp_lsp_alpha-20260101T120000Z.ndjson");
  });
});
