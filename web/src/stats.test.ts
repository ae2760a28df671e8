import { describe, expect, it } from "vitest";
import { appendSample, CPU, emptyColumns, fullestDisk, gpuPercent, historyColumns, MEMORY, NET_RX } from "./stats";
import type { Sample } from "./types";

function sample(at: string, cpu: number, memory: number, extra: Partial<Sample> = {}): Sample {
  return {
    timestamp: at,
    cpu: { usagePercent: cpu, cores: [cpu] },
    memory: { totalBytes: 100, usedBytes: memory, availableBytes: 100 - memory, usagePercent: memory },
    swap: { totalBytes: 0, usedBytes: 0, usagePercent: 0 },
    disks: [],
    diskIo: { readBytesPerSec: 0, writeBytesPerSec: 0 },
    network: { rxBytesPerSec: 10, txBytesPerSec: 20 },
    processes: 1,
    gpus: [],
    uptimeSeconds: 1,
    ...extra,
  };
}

describe("live samples to columns", () => {
  it("appends each sample's values under its time in seconds", () => {
    let columns = emptyColumns(2);
    columns = appendSample(columns, sample("2026-01-01T00:00:00Z", 10, 40), [CPU, MEMORY], 10);
    columns = appendSample(columns, sample("2026-01-01T00:00:10Z", 20, 41), [CPU, MEMORY], 10);
    const t0 = Date.parse("2026-01-01T00:00:00Z") / 1000;
    expect(columns).toEqual([[t0, t0 + 10], [10, 20], [40, 41]]);
  });

  it("keeps only the newest points", () => {
    let columns = emptyColumns(1);
    for (let i = 0; i < 5; i++) {
      columns = appendSample(columns, sample(new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), i, 0), [CPU], 3);
    }
    expect(columns[1]).toEqual([2, 3, 4]);
    expect(columns[0]).toHaveLength(3);
  });

  it("leaves out a sample that is not newer than the last (a replay after a reconnect)", () => {
    const once = appendSample(emptyColumns(1), sample("2026-01-01T00:00:10Z", 5, 0), [CPU], 10);
    expect(appendSample(once, sample("2026-01-01T00:00:10Z", 6, 0), [CPU], 10)).toBe(once);
    expect(appendSample(once, sample("2026-01-01T00:00:05Z", 6, 0), [CPU], 10)).toBe(once);
  });
});

describe("history to columns", () => {
  it("takes each series' value of each point, a missing one as a gap", () => {
    const columns = historyColumns(
      {
        from: "",
        to: "",
        step: "raw",
        source: "samples",
        points: [
          { timestamp: "2026-01-01T00:00:00Z", values: { "cpu.usagePercent": 12, "network.rxBytesPerSec": 300 } },
          { timestamp: "2026-01-01T00:01:00Z", values: { "cpu.usagePercent": 14 } },
        ],
      },
      [CPU, NET_RX],
    );
    const t0 = Date.parse("2026-01-01T00:00:00Z") / 1000;
    expect(columns).toEqual([[t0, t0 + 60], [12, 14], [300, null]]);
  });
});

describe("host cards", () => {
  it("shows the fullest disk and the busiest GPU", () => {
    const s = sample("2026-01-01T00:00:00Z", 0, 0, {
      disks: [
        { mount: "/", totalBytes: 10, usedBytes: 5, freeBytes: 5, usagePercent: 50 },
        { mount: "/data", totalBytes: 10, usedBytes: 9, freeBytes: 1, usagePercent: 90 },
      ],
      gpus: [
        { index: 0, name: "A", utilizationPercent: 30 },
        { index: 1, name: "B", utilizationPercent: 70 },
      ],
    });
    expect(fullestDisk(s)?.mount).toBe("/data");
    expect(gpuPercent(s)).toBe(70);
    expect(gpuPercent(sample("2026-01-01T00:00:00Z", 0, 0))).toBeNull();
    expect(fullestDisk(sample("2026-01-01T00:00:00Z", 0, 0))).toBeNull();
  });
});
