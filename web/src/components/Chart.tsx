/**
 * A uPlot chart that follows its data and its container's width (a sparkline without axes). A full
 * chart may zoom its time axis (drag across it; the zoom itself is the caller's state), share its
 * cursor with the charts of the same `sync` key, and let its legend show and hide series by click or
 * by the keyboard (Tab to an entry, Enter or Space).
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Columns, Zoom } from "../stats";

export interface ChartProps {
  data: Columns;
  labels: string[];
  height: number;
  /** A sparkline: no axes, no legend, no cursor. */
  spark?: boolean;
  /** Formats the y values (axis and legend). */
  format?: (value: number) => string;
  /** The y range, e.g. [0, 100] for percentages; auto when left out. */
  range?: [number, number];
  title: string;
  /** The time axis' zoom; null or left out: the whole data. */
  zoom?: Zoom;
  /** Called with the span (seconds) dragged across the chart. */
  onZoom?: (a: number, b: number) => void;
  /** Charts with the same key move one cursor. */
  sync?: string;
}

const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

/** The colour of series `i`: a fixed palette, then hues spread around the wheel. */
export function colour(i: number): string {
  return i < COLOURS.length ? COLOURS[i] : `hsl(${(i * 47) % 360} 65% 45%)`;
}

export function Chart({ data, labels, height, spark = false, format, range, title, zoom = null, onZoom, sync }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoomed = useRef<Zoom>(zoom);
  const zoomHandler = useRef(onZoom);
  zoomed.current = zoom;
  zoomHandler.current = onZoom;

  useEffect(() => {
    const element = container.current!;
    const value = (_u: uPlot, v: number | null) => (v === null ? "–" : format ? format(v) : v.toFixed(1));
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 100),
      height,
      legend: { show: !spark },
      cursor: spark
        ? { show: false }
        : {
            drag: { x: true, y: false, setScale: false },
            ...(sync ? { sync: { key: sync, setSeries: false } } : {}),
          },
      scales: { x: { time: true }, y: range ? { range } : {} },
      axes: spark
        ? [{ show: false }, { show: false }]
        : [
            { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.2)" } },
            { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.2)" }, values: (u, vs) => vs.map((v) => value(u, v)), size: axisWidth },
          ],
      series: [
        {},
        ...labels.map((label, i) => ({ label, stroke: colour(i), width: spark ? 1.5 : 2, value, fill: spark ? "rgba(37,99,235,0.12)" : undefined })),
      ],
      hooks: spark
        ? {}
        : {
            setSelect: [
              (u) => {
                if (u.select.width > 0) {
                  zoomHandler.current?.(u.posToVal(u.select.left, "x"), u.posToVal(u.select.left + u.select.width, "x"));
                  u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
                }
              },
            ],
          },
    };
    const made = new uPlot(options, data as uPlot.AlignedData, element);
    plot.current = made;
    if (zoomed.current) made.setScale("x", zoomed.current);
    if (!spark) keyboardLegend(made);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(element.clientWidth, 100), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      made.destroy();
      plot.current = null;
    };
    // the chart is built once per shape; data and zoom flow in through the effects below
  }, [labels.join("|"), height, spark, sync]);

  useEffect(() => {
    const current = plot.current;
    if (!current) return;
    current.setData(data as uPlot.AlignedData, zoom === null);
    if (zoom) current.setScale("x", zoom);
  }, [data, zoom?.min, zoom?.max]);

  return <div ref={container} class={spark ? "spark" : "chart"} role={spark ? "img" : "group"} aria-label={title} />;
}

/** The y axis as wide as its longest label ("19.1 MiB/s" needs more room than "50 %"). */
function axisWidth(_u: uPlot, values: string[] | null): number {
  const longest = Math.max(0, ...(values ?? []).map((v) => String(v).length));
  return Math.max(50, 16 + 7 * longest);
}

/** The legend's series entries reachable by Tab, Enter or Space showing or hiding the series. */
function keyboardLegend(u: uPlot): void {
  const rows = u.root.querySelectorAll<HTMLElement>(".u-legend .u-series");
  rows.forEach((row, i) => {
    if (i === 0) return; // the time
    const mark = () => row.setAttribute("aria-pressed", String(u.series[i].show !== false));
    row.tabIndex = 0;
    row.setAttribute("role", "button");
    row.setAttribute("aria-label", `Show ${u.series[i].label ?? `series ${i}`}`);
    mark();
    row.addEventListener("click", () => setTimeout(mark));
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        u.setSeries(i, { show: u.series[i].show === false });
        mark();
      }
    });
  });
}
