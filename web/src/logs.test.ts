import { describe, expect, it } from "vitest";
import { appendLines, EMPTY_LOG } from "./logs";
import type { LogLine } from "./types";

const line = (seq: number): LogLine => ({ seq, ts: "2026-01-01T00:00:00Z", stream: "stdout", line: `line ${seq}` });

describe("log lines", () => {
  it("keeps each line once when a tail overlaps what was live", () => {
    const view = appendLines(appendLines(EMPTY_LOG, [line(1), line(2), line(3)], 10), [line(2), line(3), line(4)], 10);
    expect(view.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(view.skipped).toBe(0);
  });

  it("keeps the newest lines and counts what it dropped and what the hub skipped", () => {
    const view = appendLines(EMPTY_LOG, [1, 2, 3, 4, 5].map(line), 3, 7);
    expect(view.lines.map((l) => l.seq)).toEqual([3, 4, 5]);
    expect(view.skipped).toBe(9);
  });
});
