/**
 * Host samples turned into uPlot's columns: a bounded window of live `stats` events for sparklines
 * and charts, and the history API's points for a range.
 */
import type { History, Sample } from "./types";

/** uPlot's data: the x values (seconds since the epoch), then one array per series. */
export type Columns = [number[], ...(number | null)[][]];

/** A series of the host: how to read it from a live sample and which history value it is. */
export interface SeriesSpec {
  label: string;
  fromSample: (sample: Sample) => number | null;
  historyKey: string;
}

export const CPU: SeriesSpec = { label: "CPU %", fromSample: (s) => s.cpu.usagePercent, historyKey: "cpu.usagePercent" };
export const MEMORY: SeriesSpec = {
  label: "Memory %",
  fromSample: (s) => s.memory.usagePercent,
  historyKey: "memory.usagePercent",
};
export const NET_RX: SeriesSpec = {
  label: "Received B/s",
  fromSample: (s) => s.network.rxBytesPerSec,
  historyKey: "network.rxBytesPerSec",
};
export const NET_TX: SeriesSpec = {
  label: "Sent B/s",
  fromSample: (s) => s.network.txBytesPerSec,
  historyKey: "network.txBytesPerSec",
};

/** The fullest disk: the one a card shows. */
export function fullestDisk(sample: Sample): Sample["disks"][number] | null {
  return sample.disks.reduce<Sample["disks"][number] | null>(
    (worst, disk) => (worst === null || disk.usagePercent > worst.usagePercent ? disk : worst),
    null,
  );
}

/** The busiest GPU's utilisation, null without GPUs. */
export function gpuPercent(sample: Sample): number | null {
  const values = sample.gpus.map((gpu) => gpu.utilizationPercent).filter((v): v is number => typeof v === "number");
  return values.length === 0 ? null : Math.max(...values);
}

export function emptyColumns(series: number): Columns {
  return [[], ...Array.from({ length: series }, () => [])] as Columns;
}

/**
 * The columns with one more sample, keeping the newest `limit` points; a sample not newer than
 * the last one (a replay after a reconnect) is left out, so that x stays increasing as uPlot needs.
 */
export function appendSample(columns: Columns, sample: Sample, specs: readonly SeriesSpec[], limit: number): Columns {
  const x = Date.parse(sample.timestamp) / 1000;
  const xs = columns[0];
  if (!Number.isFinite(x) || (xs.length > 0 && x <= xs[xs.length - 1])) {
    return columns;
  }
  const drop = Math.max(0, xs.length + 1 - limit);
  return [
    [...xs.slice(drop), x],
    ...specs.map((spec, i) => [...columns[i + 1].slice(drop), spec.fromSample(sample)]),
  ] as Columns;
}

/** The history's points as columns, a series missing from a point being a gap (null). */
export function historyColumns(history: History, specs: readonly SeriesSpec[]): Columns {
  const points = history.points;
  return [
    points.map((p) => Date.parse(p.timestamp) / 1000),
    ...specs.map((spec) => points.map((p) => p.values[spec.historyKey] ?? null)),
  ] as Columns;
}

/** The range choices of the System page: how far back, and the step asked of the history API. */
export const RANGES = {
  "1h": { label: "1 hour", ms: 3_600_000, step: "raw" },
  "24h": { label: "24 hours", ms: 86_400_000, step: "auto" },
} as const;

export type RangeKey = keyof typeof RANGES;
