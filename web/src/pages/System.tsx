/**
 * Live charts of the host: CPU in total and per core, memory, disk space and I/O, network, and GPU
 * when there is one, over the last hour, day or month read from the history API and extended by
 * the `stats` events of /system; drag across a chart (or use the buttons) to zoom the time axis.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useHub } from "../app";
import { api } from "../api";
import { Chart } from "../components/Chart";
import { command } from "../hub";
import { describe } from "../problem";
import { formatBytes } from "../services";
import {
  appendWithin,
  chartsFor,
  historyKeys,
  historyQueries,
  mergeHistories,
  RANGES,
  zoomIn,
  zoomOut,
  zoomTo,
  type ChartSpec,
  type Columns,
  type RangeKey,
  type SeriesSpec,
  type Zoom,
} from "../stats";
import type { Sample } from "../types";

const FORMATS: Record<ChartSpec["unit"], { format: (v: number) => string; range?: [number, number] }> = {
  percent: { format: (v) => `${v.toFixed(0)} %`, range: [0, 100] },
  bytes: { format: (v) => formatBytes(v) },
  rate: { format: (v) => `${formatBytes(v)}/s` },
};

const RESOLUTION: Record<RangeKey, string> = {
  "1h": "every sample",
  "24h": "2-minute averages, the last minutes every sample",
  "30d": "hourly averages, the last hour every sample",
};

/** Samples held while the history loads, at most (a minute at 1 sample/s). */
const PENDING_LIMIT = 60;

interface View {
  charts: ChartSpec[];
  specs: SeriesSpec[];
  columns: Columns;
}

export function SystemPage() {
  const hub = useHub();
  const [range, setRange] = useState<RangeKey>("1h");
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [zoom, setZoom] = useState<Zoom>(null);
  /** Live samples that arrived while the history loads (null: none loading). */
  const pending = useRef<Sample[] | null>(null);
  const span = useRef<number>(RANGES[range].seconds);

  useEffect(() => {
    let active = true;
    span.current = RANGES[range].seconds;
    pending.current = [];
    setView(null);
    setError(null);
    setZoom(null);
    const queries = historyQueries(range, Date.now() / 1000);
    Promise.all([api.stats().catch(() => null), Promise.all(queries.map((query) => api.history(query)))])
      .then(([latest, histories]) => {
        if (!active) return;
        const charts = chartsFor(latest, historyKeys(histories));
        const specs = charts.flatMap((chart) => chart.specs);
        let columns = mergeHistories(histories, specs);
        for (const sample of pending.current ?? []) {
          columns = appendWithin(columns, sample, specs, span.current);
        }
        pending.current = null;
        setView({ charts, specs, columns });
      })
      .catch((failure) => {
        if (!active) return;
        pending.current = null;
        setError(describe(failure));
      });
    return () => {
      active = false;
    };
  }, [range]);

  useEffect(() => {
    const socket = hub.namespace("/system");
    const onSample = (sample: Sample) => {
      if (pending.current) {
        pending.current = [...pending.current, sample].slice(-PENDING_LIMIT);
        return;
      }
      setView((prior) => (prior ? { ...prior, columns: appendWithin(prior.columns, sample, prior.specs, span.current) } : prior));
    };
    socket.on("stats", onSample);
    const stop = hub.whenConnected("/system", (connected) => {
      command(connected, "subscribe:stats").catch(() => undefined);
    });
    return () => {
      stop();
      socket.off("stats", onSample);
      if (socket.connected) {
        socket.emit("unsubscribe:stats");
      }
    };
  }, [hub]);

  const xs = view?.columns[0] ?? [];
  const bounds: [number, number] | null = xs.length > 1 ? [xs[0], xs[xs.length - 1]] : null;
  const onZoom = (a: number, b: number) => bounds && setZoom((prior) => zoomTo(prior, a, b, bounds));
  let offset = 1;

  return (
    <>
      <h1>System</h1>
      <div class="chart-tools">
        <div role="radiogroup" aria-label="Time range" class="ranges">
          {(Object.keys(RANGES) as RangeKey[]).map((key) => (
            <button key={key} type="button" role="radio" aria-checked={key === range} onClick={() => setRange(key)}>
              {RANGES[key].label}
            </button>
          ))}
        </div>
        <div class="zoom" role="group" aria-label="Zoom of the time axis">
          <button type="button" disabled={!bounds} onClick={() => bounds && setZoom((prior) => zoomIn(prior, bounds))}>
            Zoom in
          </button>
          <button type="button" disabled={!bounds || !zoom} onClick={() => bounds && setZoom((prior) => zoomOut(prior, bounds))}>
            Zoom out
          </button>
          <button type="button" disabled={!zoom} onClick={() => setZoom(null)}>
            Reset zoom
          </button>
        </div>
      </div>
      <p class="detail" aria-live="polite">
        {RANGES[range].label}: {RESOLUTION[range]}, then live.{" "}
        {zoom
          ? `Zoomed to ${new Date(zoom.min * 1000).toLocaleString()} – ${new Date(zoom.max * 1000).toLocaleString()}.`
          : "Drag across a chart to zoom; click a legend entry to hide or show its series."}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!view && !error && <p>Loading the history…</p>}
      {view && (
        <div class="chart-grid">
          {view.charts.map((chart) => {
            const data = [view.columns[0], ...view.columns.slice(offset, offset + chart.specs.length)] as Columns;
            offset += chart.specs.length;
            const { format, range: yRange } = FORMATS[chart.unit];
            return (
              <section key={chart.id} aria-labelledby={`chart-${chart.id}`} class={`chart-panel${chart.specs.length > 4 ? " wide" : ""}`}>
                <h2 id={`chart-${chart.id}`}>{chart.title}</h2>
                <Chart
                  data={data}
                  labels={chart.specs.map((spec) => spec.label)}
                  height={200}
                  range={yRange}
                  format={format}
                  title={`${chart.title}, ${RANGES[range].label}`}
                  zoom={zoom}
                  onZoom={onZoom}
                  sync="system"
                />
              </section>
            );
          })}
        </div>
      )}
    </>
  );
}
