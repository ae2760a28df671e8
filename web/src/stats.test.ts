import { describe, expect, it } from "vitest";
import {
  appendSample,
  appendWithin,
  chartsFor,
  CPU,
  emptyColumns,
  fullestDisk,
  gpuPercent,
  historyColumns,
  historyKeys,
  historyQueries,
  mergeHistories,
  MEMORY,
  MIN_ZOOM_SECONDS,
  NET_RX,
  stepName,
  zoomIn,
  zoomOut,
  zoomTo,
} from "./stats";
import type { History, Sample } from "./types";

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

const T0 = Date.parse("2026-01-01T00:00:00Z") / 1000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function history(step: string, points: [number, Record<string, number>][]): History {
  return {
    from: "",
    to: "",
    step,
    source: step === "raw" ? "samples" : "rollups",
    points: points.map(([x, values]) => ({ timestamp: iso(x), values })),
  };
}

describe("ranges to history queries", () => {
  it("asks for the raw samples of the last hour", () => {
    expect(historyQueries("1h", T0)).toEqual([{ from: T0 - 3600, to: T0, step: "raw" }]);
  });

  it("asks for rollups up to the last surely rolled-up boundary, then the raw samples to now", () => {
    const now = T0 + 7 * 60 + 30; // 00:07:30; rollups surely complete up to 00:05:30, the 2 m boundary before is 00:04
    expect(historyQueries("24h", now)).toEqual([
      { from: now - 86_400, to: T0 + 4 * 60, step: "2m" },
      { from: T0 + 4 * 60, to: now, step: "raw" },
    ]);
    const month = historyQueries("30d", T0 + 3600 + 60); // 01:01; 00:59 is before the 1 h boundary of 01:00
    expect(month).toEqual([
      { from: T0 + 3660 - 2_592_000, to: T0, step: "1h" },
      { from: T0, to: T0 + 3660, step: "raw" },
    ]);
  });

  it("keeps every query within the API's limits: raw under 20,000 points, rollups about 720", () => {
    for (const range of ["1h", "24h", "30d"] as const) {
      for (const query of historyQueries(range, T0 + 12_345)) {
        const seconds = query.to - query.from;
        const points = query.step === "raw" ? seconds / 10 : seconds / (query.step.endsWith("h") ? 3600 : 60 * parseInt(query.step));
        expect(points).toBeLessThanOrEqual(query.step === "raw" ? 20_000 : 730);
      }
    }
  });

  it("names steps as the API does", () => {
    expect([stepName(0), stepName(60), stepName(120), stepName(3600), stepName(7200)]).toEqual(["raw", "1m", "2m", "1h", "2h"]);
  });
});

describe("history and live samples merged", () => {
  const rollups = history("2m", [
    [T0, { "cpu.usagePercent": 10 }],
    [T0 + 120, { "cpu.usagePercent": 20 }],
  ]);
  const raw = history("raw", [
    [T0 + 240, { "cpu.usagePercent": 30 }],
    [T0 + 250, { "cpu.usagePercent": 31 }],
  ]);

  it("joins the rollups and the raw tail in time order, whatever order the answers came in", () => {
    expect(mergeHistories([raw, rollups], [CPU])).toEqual([
      [T0, T0 + 120, T0 + 240, T0 + 250],
      [10, 20, 30, 31],
    ]);
  });

  it("takes a time given by both answers once", () => {
    const overlapping = history("raw", [[T0 + 120, { "cpu.usagePercent": 99 }]]);
    const merged = mergeHistories([rollups, overlapping], [CPU]);
    expect(merged[0]).toEqual([T0, T0 + 120]);
  });

  it("appends live samples after the history without duplicates and drops what leaves the window", () => {
    let columns = mergeHistories([rollups, raw], [CPU]);
    columns = appendWithin(columns, sample(iso(T0 + 250), 77, 0), [CPU], 3600); // already in the history
    columns = appendWithin(columns, sample(iso(T0 + 260), 40, 0), [CPU], 3600);
    columns = appendWithin(columns, sample(iso(T0 + 260), 41, 0), [CPU], 3600); // replayed
    expect(columns).toEqual([
      [T0, T0 + 120, T0 + 240, T0 + 250, T0 + 260],
      [10, 20, 30, 31, 40],
    ]);
    columns = appendWithin(columns, sample(iso(T0 + 3600 + 130), 50, 0), [CPU], 3600);
    expect(columns[0]).toEqual([T0 + 240, T0 + 250, T0 + 260, T0 + 3730]);
    expect(columns[1]).toEqual([30, 31, 40, 50]);
  });

  it("finds every series key of the history", () => {
    expect([...historyKeys([rollups, history("raw", [[T0, { "gpu.utilizationPercent:0": 5 }]])])].sort()).toEqual([
      "cpu.usagePercent",
      "gpu.utilizationPercent:0",
    ]);
  });
});

describe("the charts of what the host reports", () => {
  it("has a series per core and per disk, and no GPU chart without a GPU", () => {
    const latest = sample(iso(T0), 10, 20, {
      cpu: { usagePercent: 10, cores: [5, 15] },
      disks: [{ mount: "/", totalBytes: 10, usedBytes: 5, freeBytes: 5, usagePercent: 50 }],
    });
    const charts = chartsFor(latest, new Set(["disk.usagePercent:/data"]));
    expect(charts.map((c) => c.id)).toEqual(["cpu", "cores", "memory", "disk", "diskio", "network"]);
    const cores = charts.find((c) => c.id === "cores")!;
    expect(cores.specs.map((s) => s.label)).toEqual(["Core 0", "Core 1"]);
    expect(cores.specs[1].fromSample(latest)).toBe(15);
    expect(cores.specs[1].historyKey).toBe("cpu.core.usagePercent:1");
    const disk = charts.find((c) => c.id === "disk")!;
    expect(disk.specs.map((s) => s.label)).toEqual(["/", "/data"]);
    expect(disk.specs[1].fromSample(latest)).toBeNull();
  });

  it("shows the GPU chart when a GPU is reported, now or in the history", () => {
    const latest = sample(iso(T0), 10, 20, { gpus: [{ index: 0, name: "RTX", utilizationPercent: 37 }] });
    const gpu = chartsFor(latest, new Set()).find((c) => c.id === "gpu")!;
    expect(gpu.specs.map((s) => s.label)).toEqual(["GPU 0 (RTX)"]);
    expect(gpu.specs[0].fromSample(latest)).toBe(37);
    const fromHistory = chartsFor(null, new Set(["gpu.utilizationPercent:1", "cpu.core.usagePercent:3"]));
    expect(fromHistory.find((c) => c.id === "gpu")!.specs[0].historyKey).toBe("gpu.utilizationPercent:1");
    expect(fromHistory.find((c) => c.id === "cores")!.specs).toHaveLength(4);
  });
});

describe("zoom", () => {
  const bounds: [number, number] = [T0, T0 + 3600];

  it("zooms to a dragged span in either direction, kept inside the range", () => {
    expect(zoomTo(null, T0 + 600, T0 + 300, bounds)).toEqual({ min: T0 + 300, max: T0 + 600 });
    expect(zoomTo(null, T0 - 100, T0 + 300, bounds)).toEqual({ min: T0, max: T0 + 300 });
  });

  it("ignores a span too narrow to be a drag, and one covering the range resets", () => {
    const zoom = { min: T0 + 100, max: T0 + 900 };
    expect(zoomTo(zoom, T0 + 10, T0 + 10 + MIN_ZOOM_SECONDS - 1, bounds)).toBe(zoom);
    expect(zoomTo(zoom, T0 - 5, T0 + 4000, bounds)).toBeNull();
  });

  it("zooms in around the middle and out again to the whole range", () => {
    const inOnce = zoomIn(null, bounds);
    expect(inOnce).toEqual({ min: T0 + 900, max: T0 + 2700 });
    expect(zoomOut(inOnce, bounds)).toBeNull();
    const nearEnd = { min: T0 + 3000, max: T0 + 3500 };
    expect(zoomOut(nearEnd, bounds)).toEqual({ min: T0 + 2600, max: T0 + 3600 });
    expect(zoomOut(null, bounds)).toBeNull();
  });
});
