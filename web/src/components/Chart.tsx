/** A uPlot chart that follows its data and its container's width (a sparkline without axes). */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Columns } from "../stats";

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
}

const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#d97706"];

export function Chart({ data, labels, height, spark = false, format, range, title }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = container.current!;
    const value = (_u: uPlot, v: number | null) => (v === null ? "–" : format ? format(v) : v.toFixed(1));
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 100),
      height,
      legend: { show: !spark },
      cursor: { show: !spark },
      scales: { x: { time: true }, y: range ? { range } : {} },
      axes: spark
        ? [{ show: false }, { show: false }]
        : [
            { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.2)" } },
            { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.2)" }, values: (u, vs) => vs.map((v) => value(u, v)), size: 70 },
          ],
      series: [
        {},
        ...labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: spark ? 1.5 : 2, value, fill: spark ? "rgba(37,99,235,0.12)" : undefined })),
      ],
    };
    plot.current = new uPlot(options, data as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(element.clientWidth, 100), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // the chart is built once per shape; data flows in through setData below
  }, [labels.join("|"), height, spark]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return <div ref={container} class={spark ? "spark" : "chart"} role="img" aria-label={title} />;
}
