/** Every service with its state and per-process CPU and memory, and the live logs of one. */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useConnection, useHub } from "../app";
import { session } from "../auth";
import { ServiceControls, StateBadge } from "../components/ServiceControls";
import { ServiceForm } from "../components/ServiceForm";
import { isLive } from "../connection";
import { command } from "../hub";
import { useServices } from "../live";
import { appendLines, EMPTY_LOG, type LogView } from "../logs";
import { errorMessage, formatBytes, formatPercent, sorted } from "../services";
import type { LogBatch } from "../types";

export function Services() {
  const { services, error } = useServices();
  const live = isLive(useConnection());
  const [selected, setSelected] = useState<string | null>(null);
  const [controlError, setControlError] = useState<string | null>(null);
  /** The form: closed, a new service (""), or the name of the one edited. */
  const [editing, setEditing] = useState<string | null>(null);
  const admin = session()?.role === "admin";
  const list = sorted(services);

  return (
    <>
      <div class="page-head">
        <h1>Services</h1>
        {admin && editing === null && (
          <button type="button" class="primary" onClick={() => setEditing("")}>
            New service
          </button>
        )}
      </div>
      {editing !== null && (
        <ServiceForm
          key={editing}
          editing={editing === "" ? null : editing}
          onDone={(name) => {
            setEditing(null);
            if (name) setSelected(name);
          }}
        />
      )}
      {error && <p class="error">{error}</p>}
      {controlError && (
        <p class="error" role="alert">
          {controlError}
        </p>
      )}
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Managed services</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">CPU</th>
              <th scope="col">Memory</th>
              <th scope="col">Restarts</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map(({ service }) => (
              <tr key={service.name} aria-selected={service.name === selected}>
                <th scope="row">
                  {service.name}
                  {errorMessage(service) && <div class="service-error">{errorMessage(service)}</div>}
                </th>
                <td>
                  <StateBadge service={service} stale={!live} />
                </td>
                <td>{formatPercent(service.stats?.cpuPercent)}</td>
                <td>{formatBytes(service.stats?.memoryBytes ?? service.stats?.rssBytes)}</td>
                <td>{service.restarts}</td>
                <td class="actions">
                  <button type="button" onClick={() => setSelected(service.name)} aria-pressed={service.name === selected}>
                    logs
                  </button>
                  <ServiceControls service={service} onError={setControlError} />
                  {admin && (
                    <button type="button" onClick={() => setEditing(service.name)} aria-label={`edit ${service.name}`}>
                      edit
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.length === 0 && !error && <p>No managed services yet.</p>}
      {selected && <LiveLogs key={selected} serviceId={selected} />}
    </>
  );
}

const MAX_LINES = 2000;

function LiveLogs({ serviceId }: { serviceId: string }) {
  const hub = useHub();
  const [view, setView] = useState<LogView>(EMPTY_LOG);
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);
  const pending = useRef<LogView>(EMPTY_LOG);
  const pausedRef = useRef(paused);
  const box = useRef<HTMLPreElement>(null);
  pausedRef.current = paused;

  useEffect(() => {
    const socket = hub.namespace("/services");
    const onLogs = (batch: LogBatch) => {
      if (batch.serviceId !== serviceId) return;
      pending.current = appendLines(pending.current, batch.lines, MAX_LINES, batch.skipped ?? 0);
      if (!pausedRef.current) setView(pending.current);
    };
    const onClosed = (closed: { serviceId: string; reason: string }) => {
      if (closed.serviceId === serviceId) setNotice(`The log stream ended: ${closed.reason}`);
    };
    socket.on("logs", onLogs);
    socket.on("stream:closed", onClosed);
    const stop = hub.whenConnected("/services", (connected) => {
      command(connected, "subscribe:logs", { serviceId, tail: 200 })
        .then(() => setNotice(null))
        .catch((error: Error) => setNotice(error.message));
    });
    return () => {
      stop();
      socket.off("logs", onLogs);
      socket.off("stream:closed", onClosed);
      if (socket.connected) socket.emit("unsubscribe:logs", { serviceId });
    };
  }, [hub, serviceId]);

  useEffect(() => {
    if (!paused) setView(pending.current);
  }, [paused]);

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [view, follow]);

  return (
    <section aria-labelledby="logs-heading" class="logs">
      <div class="logs-head">
        <h2 id="logs-heading">Logs of {serviceId}</h2>
        <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
          {paused ? "Resume" : "Pause"}
        </button>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Auto-scroll
        </label>
      </div>
      {notice && <p class="error">{notice}</p>}
      {view.skipped > 0 && <p class="detail">{view.skipped} earlier lines not shown.</p>}
      <pre ref={box} class="log-lines" tabIndex={0} aria-label={`Log lines of ${serviceId}`} aria-live="off">
        {view.lines.map((line) => (
          <div key={line.seq} class={`log ${line.stream}`}>
            <time dateTime={line.ts}>{line.ts.slice(11, 23)}</time> {line.line}
          </div>
        ))}
      </pre>
      {paused && <p class="detail">Paused: new lines are kept and shown on resume.</p>}
    </section>
  );
}
