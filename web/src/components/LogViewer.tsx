/**
 * Live logs of one or more services: the last lines first, then every new one from the hub's
 * `subscribe:logs`; a stream filter and a search that asks the API for everything retained that
 * matches (and keeps following the live lines that match); pause, auto-scroll, the services in one
 * time-ordered view or side by side, and exports (the API's NDJSON of everything retained that
 * matches, or the lines shown as JSON).
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { useHub } from "../app";
import { command } from "../hub";
import {
  addLines,
  exportName,
  matches,
  merged,
  NO_FILTER,
  tagNdjson,
  toNdjson,
  type LinesByService,
  type LogFilter,
  type ServiceLine,
  type Stream,
} from "../logView";
import { describe } from "../problem";
import type { LogBatch } from "../types";

/** Lines held per service. */
const MAX_LINES = 2000;
/** Lines read at the start and at each search, per service. */
const FIRST_LINES = 200;

type Props = { services: readonly string[]; title: string };

export function LogViewer({ services, title }: Props) {
  const hub = useHub();
  const [filter, setFilter] = useState<LogFilter>(NO_FILTER);
  const [draft, setDraft] = useState<LogFilter>(NO_FILTER);
  const [shown, setShown] = useState<LinesByService>({});
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [sideBySide, setSideBySide] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [skipped, setSkipped] = useState(0);
  const held = useRef<Record<string, ServiceLineList>>({});
  const pausedRef = useRef(paused);
  const filterRef = useRef(filter);
  pausedRef.current = paused;
  filterRef.current = filter;
  const key = services.join("\u0000");

  // the retained lines that match, then the live ones
  useEffect(() => {
    let current = true;
    held.current = {};
    setShown({});
    setSkipped(0);
    setNotice(null);
    Promise.all(
      services.map((name) =>
        api.logs(name, filter, FIRST_LINES).then((answer) => {
          if (!current) return;
          // live lines that came first stay when they are newer than what the API read
          held.current[name] = addLines(answer.lines, held.current[name] ?? [], MAX_LINES);
        }),
      ),
    )
      .catch((error) => current && setNotice(describe(error)))
      .finally(() => current && setShown({ ...held.current }));

    const socket = hub.namespace("/services");
    const onLogs = (batch: LogBatch) => {
      if (!services.includes(batch.serviceId)) return;
      const fresh = batch.lines.filter((line) => matches(line, filterRef.current));
      held.current[batch.serviceId] = addLines(held.current[batch.serviceId] ?? [], fresh, MAX_LINES);
      if (batch.skipped) setSkipped((count) => count + batch.skipped!);
      if (!pausedRef.current) setShown({ ...held.current });
    };
    const onClosed = (closed: { serviceId: string; reason: string }) => {
      if (services.includes(closed.serviceId)) setNotice(`The log stream of ${closed.serviceId} ended: ${closed.reason}`);
    };
    socket.on("logs", onLogs);
    socket.on("stream:closed", onClosed);
    const stop = hub.whenConnected("/services", (connected) => {
      for (const serviceId of services) {
        command(connected, "subscribe:logs", { serviceId, tail: 0 }).catch((error: Error) => setNotice(`${serviceId}: ${error.message}`));
      }
    });
    return () => {
      current = false;
      stop();
      socket.off("logs", onLogs);
      socket.off("stream:closed", onClosed);
      if (socket.connected) for (const serviceId of services) socket.emit("unsubscribe:logs", { serviceId });
    };
  }, [hub, key, filter]);

  useEffect(() => {
    if (!paused) setShown({ ...held.current });
  }, [paused]);

  const view = merged(shown, MAX_LINES * Math.max(1, services.length));

  const download = (text: string, name: string, type: string) => {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const exportAll = async () => {
    setNotice(null);
    try {
      const parts = await Promise.all(services.map(async (name) => tagNdjson(name, await api.exportLogs(name, filter))));
      const lines = merged(Object.fromEntries(parts.map((lines, i) => [services[i], lines])), Number.MAX_SAFE_INTEGER);
      download(toNdjson(lines), exportName(services, "ndjson", new Date()), "application/x-ndjson");
    } catch (error) {
      setNotice(`Export failed: ${describe(error)}`);
    }
  };

  return (
    <section aria-label={title} class="logs">
      <div class="logs-head">
        <h2>{title}</h2>
        <form
          class="log-filter"
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            setFilter(draft);
          }}
        >
          <label>
            Stream{" "}
            <select value={draft.stream} onChange={(e) => setDraft({ ...draft, stream: (e.target as HTMLSelectElement).value as Stream | "all" })}>
              <option value="all">all</option>
              <option value="stdout">stdout</option>
              <option value="stderr">stderr</option>
              <option value="switchboard">switchboard</option>
            </select>
          </label>
          <label>
            Search{" "}
            <input type="search" value={draft.text} maxLength={1000} placeholder="text in retained lines" onInput={(e) => setDraft({ ...draft, text: (e.target as HTMLInputElement).value })} />
          </label>
          <button type="submit">Apply</button>
        </form>
        <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
          {paused ? "Resume" : "Pause"}
        </button>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Auto-scroll
        </label>
        {services.length > 1 && (
          <label>
            <input type="checkbox" checked={sideBySide} onChange={(e) => setSideBySide((e.target as HTMLInputElement).checked)} /> Side by side
          </label>
        )}
        <button type="button" onClick={exportAll} title="Every retained line that matches, as NDJSON">
          Export NDJSON
        </button>
        <button type="button" onClick={() => download(JSON.stringify(view, null, 2), exportName(services, "json", new Date()), "application/json")} title="The lines shown, as JSON">
          Export JSON
        </button>
      </div>
      {notice && <p class="error">{notice}</p>}
      {skipped > 0 && <p class="detail">{skipped} lines were skipped while this page was behind.</p>}
      {filter !== NO_FILTER && (filter.stream !== "all" || filter.text !== "") && (
        <p class="detail">
          Showing {filter.stream === "all" ? "every stream" : filter.stream}
          {filter.text ? `, lines containing “${filter.text}”` : ""}: the newest {FIRST_LINES} retained per service, then new ones as they come.
        </p>
      )}
      {sideBySide && services.length > 1 ? (
        <div class="log-columns">
          {services.map((name) => (
            <Lines key={name} label={`Log lines of ${name}`} lines={(shown[name] ?? []).map((line) => ({ ...line, service: name }))} follow={follow} heading={name} />
          ))}
        </div>
      ) : (
        <Lines label={`Log lines of ${services.join(", ")}`} lines={view} follow={follow} showService={services.length > 1} />
      )}
      {paused && <p class="detail">Paused: new lines are kept and shown on resume.</p>}
    </section>
  );
}

type ServiceLineList = ReturnType<typeof addLines>;

export function Lines({ label, lines, follow, showService = false, heading }: { label: string; lines: ServiceLine[]; follow: boolean; showService?: boolean; heading?: string }) {
  const box = useRef<HTMLPreElement>(null);
  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);
  return (
    <div class="log-column">
      {heading && <h3>{heading}</h3>}
      <pre ref={box} class="log-lines" tabIndex={0} aria-label={label} aria-live="off">
        {lines.map((line) => (
          <div key={`${line.service}:${line.seq}`} class={`log ${line.stream}`}>
            <time dateTime={line.ts}>{line.ts.slice(11, 23)}</time> {showService && <span class="log-service">{line.service}</span>} {line.line}
          </div>
        ))}
      </pre>
    </div>
  );
}
