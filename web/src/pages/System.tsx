/** Live charts of the host's CPU, memory and network, over the last hour or day from the history API. */
import { useEffect, useState } from "preact/hooks";
import { useHub } from "../app";
import { api } from "../api";
import { Chart } from "../components/Chart";
import { command } from "../hub";
import { describe } from "../problem";
import { formatBytes } from "../services";
import { appendSample, CPU, historyColumns, MEMORY, NET_RX, NET_TX, RANGES, type Columns, type RangeKey, type SeriesSpec } from "../stats";
import type { Sample } from "../types";

const CHARTS: { title: string; specs: SeriesSpec[]; range?: [number, number]; format?: (v: number) => string }[] = [
  { title: "CPU", specs: [CPU], range: [0, 100], format: (v) => `${v.toFixed(0)} %` },
  { title: "Memory", specs: [MEMORY], range: [0, 100], format: (v) => `${v.toFixed(0)} %` },
  { title: "Network", specs: [NET_RX, NET_TX], format: (v) => `${formatBytes(v)}/s` },
];
const ALL = CHARTS.flatMap((chart) => chart.specs);

export function SystemPage() {
  const hub = useHub();
  const [range, setRange] = useState<RangeKey>("1h");
  const [columns, setColumns] = useState<Columns | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    const spec = RANGES[range];
    setColumns(null);
    setError(null);
    api
      .history(new Date(Date.now() - spec.ms), spec.step)
      .then((history) => active && setColumns(historyColumns(history, ALL)))
      .catch((failure) => active && setError(describe(failure)));
    return () => {
      active = false;
    };
  }, [range]);

  useEffect(() => {
    const socket = hub.namespace("/system");
    const onSample = (sample: Sample) =>
      setColumns((prior) => (prior ? appendSample(prior, sample, ALL, 100_000) : prior));
    socket.on("stats", onSample);
    const stop = hub.whenConnected("/system", (connected) => {
      command(connected, "subscribe:stats").catch(() => undefined);
    });
    return () => {
      stop();
      socket.off("stats", onSample);
    };
  }, [hub]);

  return (
    <>
      <h1>System</h1>
      <div role="radiogroup" aria-label="Time range" class="ranges">
        {(Object.keys(RANGES) as RangeKey[]).map((key) => (
          <button key={key} type="button" role="radio" aria-checked={key === range} onClick={() => setRange(key)}>
            {RANGES[key].label}
          </button>
        ))}
      </div>
      {error && <p class="error">{error}</p>}
      {!columns && !error && <p>Loading the history…</p>}
      {columns &&
        CHARTS.map((chart) => {
          const offset = ALL.indexOf(chart.specs[0]) + 1;
          const data = [columns[0], ...columns.slice(offset, offset + chart.specs.length)] as Columns;
          return (
            <section key={chart.title} aria-label={chart.title} class="chart-panel">
              <h2>{chart.title}</h2>
              <Chart data={data} labels={chart.specs.map((s) => s.label)} height={220} range={chart.range} format={chart.format} title={`${chart.title}, ${RANGES[range].label}`} />
            </section>
          );
        })}
    </>
  );
}
