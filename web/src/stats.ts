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

export const DISK_READ: SeriesSpec = {
  label: "Read B/s",
  fromSample: (s) => s.diskIo.readBytesPerSec,
  historyKey: "diskIo.readBytesPerSec",
};
export const DISK_WRITE: SeriesSpec = {
  label: "Written B/s",
  fromSample: (s) => s.diskIo.writeBytesPerSec,
  historyKey: "diskIo.writeBytesPerSec",
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

/**
 * The range choices of the System page: how far back (seconds) and the history step (seconds; 0
 * for the raw samples, 10 s apart by default). The rollup steps give about 720 points, as many as
 * a chart is wide; raw samples are kept 24 hours and one-minute rollups 30 days.
 */
export const RANGES = {
  "1h": { label: "1 hour", seconds: 3_600, step: 0 },
  "24h": { label: "24 hours", seconds: 86_400, step: 120 },
  "30d": { label: "30 days", seconds: 2_592_000, step: 3_600 },
} as const;

export type RangeKey = keyof typeof RANGES;

/** One request of the history API: [from, to) in seconds since the epoch, and its `step`. */
export interface HistoryQuery {
  from: number;
  to: number;
  step: string;
}

/**
 * How long after a minute ends its rollup can be counted on: system-stats rolls a minute up with
 * the first sample after it (10 s later by default), and this leaves room for a slower interval.
 */
export const ROLLUP_LAG_SECONDS = 120;

/** A step in seconds as the history API names it: `raw`, `2m`, `1h`. */
export function stepName(seconds: number): string {
  if (seconds <= 0) return "raw";
  const minutes = Math.round(seconds / 60);
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

/**
 * What to ask the history API for a range ending `nowSeconds`: the raw samples for a raw range;
 * otherwise rollups in buckets of the step up to the last bucket boundary whose rollups are surely
 * complete (buckets start at multiples of the step since the epoch, as the API groups them), then
 * the raw samples from there to now, so that the newest minutes are neither missing nor half
 * averaged. The queries meet without overlap (`from` is inclusive, `to` exclusive).
 */
export function historyQueries(range: RangeKey, nowSeconds: number): HistoryQuery[] {
  const spec = RANGES[range];
  const from = nowSeconds - spec.seconds;
  if (spec.step === 0) {
    return [{ from, to: nowSeconds, step: "raw" }];
  }
  const boundary = Math.floor((nowSeconds - ROLLUP_LAG_SECONDS) / spec.step) * spec.step;
  return [
    { from, to: boundary, step: stepName(spec.step) },
    { from: boundary, to: nowSeconds, step: "raw" },
  ];
}

/** Every series key that appears in the histories' points. */
export function historyKeys(histories: readonly History[]): Set<string> {
  const keys = new Set<string>();
  for (const history of histories) {
    for (const point of history.points) {
      Object.keys(point.values).forEach((key) => keys.add(key));
    }
  }
  return keys;
}

/**
 * The histories' points as one set of columns, in time order; a point at a time already taken
 * (where two answers meet) is left out, so that x strictly increases as uPlot needs.
 */
export function mergeHistories(histories: readonly History[], specs: readonly SeriesSpec[]): Columns {
  const points = histories
    .flatMap((history) => history.points)
    .map((point) => ({ x: Date.parse(point.timestamp) / 1000, values: point.values }))
    .filter((point) => Number.isFinite(point.x))
    .sort((a, b) => a.x - b.x);
  const columns = emptyColumns(specs.length);
  for (const point of points) {
    const xs = columns[0];
    if (xs.length > 0 && point.x <= xs[xs.length - 1]) continue;
    xs.push(point.x);
    specs.forEach((spec, i) => columns[i + 1].push(point.values[spec.historyKey] ?? null));
  }
  return columns;
}

/**
 * The columns with a live sample appended and the points older than `windowSeconds` before it
 * dropped, so that the chart keeps showing the range up to now. A sample not newer than the last
 * point (already in the history, or replayed after a reconnect) is left out.
 */
export function appendWithin(columns: Columns, sample: Sample, specs: readonly SeriesSpec[], windowSeconds: number): Columns {
  const x = Date.parse(sample.timestamp) / 1000;
  const xs = columns[0];
  if (!Number.isFinite(x) || (xs.length > 0 && x <= xs[xs.length - 1])) {
    return columns;
  }
  let drop = 0;
  while (drop < xs.length && xs[drop] < x - windowSeconds) drop++;
  return [
    [...xs.slice(drop), x],
    ...specs.map((spec, i) => [...columns[i + 1].slice(drop), spec.fromSample(sample)]),
  ] as Columns;
}

/** A chart of the System page: its title, its series, its y range and how its values read. */
export interface ChartSpec {
  id: string;
  title: string;
  specs: SeriesSpec[];
  unit: "percent" | "bytes" | "rate";
}

const numeric = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The indices (or names) that follow `prefix` in the keys, e.g. the cores of `cpu.core.usagePercent:`. */
function suffixes(keys: Set<string>, prefix: string): string[] {
  return [...keys].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
}

function byNumber(a: string, b: string): number {
  return Number(a) - Number(b);
}

/**
 * The charts for what the host reports, in the latest sample or anywhere in the history: CPU in
 * total and per core, memory, the space of each disk, disk I/O, network, and GPU utilisation only
 * when a GPU is reported.
 */
export function chartsFor(latest: Sample | null, keys: Set<string>): ChartSpec[] {
  const coreCount = Math.max(latest?.cpu.cores.length ?? 0, ...suffixes(keys, "cpu.core.usagePercent:").map((i) => Number(i) + 1));
  const cores: SeriesSpec[] = Array.from({ length: coreCount }, (_, i) => ({
    label: `Core ${i}`,
    fromSample: (s) => numeric(s.cpu.cores[i]),
    historyKey: `cpu.core.usagePercent:${i}`,
  }));
  const mounts = [...new Set([...(latest?.disks.map((d) => d.mount) ?? []), ...suffixes(keys, "disk.usagePercent:")])].sort();
  const disks: SeriesSpec[] = mounts.map((mount) => ({
    label: mount,
    fromSample: (s) => numeric(s.disks.find((d) => d.mount === mount)?.usagePercent),
    historyKey: `disk.usagePercent:${mount}`,
  }));
  const gpuIndices = [...new Set([...(latest?.gpus.map((g) => String(g.index)) ?? []), ...suffixes(keys, "gpu.utilizationPercent:")])].sort(byNumber);
  const gpus: SeriesSpec[] = gpuIndices.map((index) => {
    const name = latest?.gpus.find((g) => String(g.index) === index)?.name;
    return {
      label: name ? `GPU ${index} (${name})` : `GPU ${index}`,
      fromSample: (s) => numeric(s.gpus.find((g) => String(g.index) === index)?.utilizationPercent),
      historyKey: `gpu.utilizationPercent:${index}`,
    };
  });
  const charts: ChartSpec[] = [
    { id: "cpu", title: "CPU", specs: [CPU], unit: "percent" },
    { id: "cores", title: "CPU per core", specs: cores, unit: "percent" },
    { id: "memory", title: "Memory", specs: [MEMORY], unit: "percent" },
    { id: "disk", title: "Disk space", specs: disks, unit: "percent" },
    { id: "diskio", title: "Disk I/O", specs: [DISK_READ, DISK_WRITE], unit: "rate" },
    { id: "network", title: "Network", specs: [NET_RX, NET_TX], unit: "rate" },
    { id: "gpu", title: "GPU", specs: gpus, unit: "percent" },
  ];
  return charts.filter((chart) => chart.specs.length > 0);
}

/** A zoom of the time axis, in seconds since the epoch; null shows the whole range. */
export type Zoom = { min: number; max: number } | null;

/** The narrowest zoom: a few samples. */
export const MIN_ZOOM_SECONDS = 30;

/**
 * The zoom to [a, b] (either order) kept inside `bounds`; null (the whole range) when it covers the
 * bounds, and the current zoom when it is narrower than {@link MIN_ZOOM_SECONDS} (a click, not a drag).
 */
export function zoomTo(current: Zoom, a: number, b: number, bounds: [number, number]): Zoom {
  const min = Math.max(Math.min(a, b), bounds[0]);
  const max = Math.min(Math.max(a, b), bounds[1]);
  if (!(max - min >= MIN_ZOOM_SECONDS)) return current;
  if (min <= bounds[0] && max >= bounds[1]) return null;
  return { min, max };
}

/** Halves the shown span around its middle (the zoom in button, for the keyboard). */
export function zoomIn(current: Zoom, bounds: [number, number]): Zoom {
  const [min, max] = current ? [current.min, current.max] : bounds;
  const quarter = (max - min) / 4;
  return zoomTo(current, min + quarter, max - quarter, bounds);
}

/** Doubles the shown span around its middle, kept inside the bounds; null once it covers them. */
export function zoomOut(current: Zoom, bounds: [number, number]): Zoom {
  if (!current) return null;
  const half = current.max - current.min;
  let min = current.min - half / 2;
  let max = current.max + half / 2;
  if (min < bounds[0]) [min, max] = [bounds[0], max + (bounds[0] - min)];
  if (max > bounds[1]) [min, max] = [min - (max - bounds[1]), bounds[1]];
  return zoomTo(current, min, max, bounds);
}
