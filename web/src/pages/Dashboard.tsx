/**
 * The connection status monitor of the seed: the hub connection, every service with its state
 * colour, last update, error and controls, the host's cards with sparklines, the recent deployments
 * (live from the hub's /deployments) and, for an admin, the recent audit entries.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { Link, useConnection, useHub, useNow } from "../app";
import { NO_AUDIT_FILTER, describeAuditFailure, type AuditEntry } from "../audit";
import { canAdminister } from "../auth";
import { describeProgress, isActive, upsert, type Deployment } from "../deployments";
import { describe } from "../problem";
import { Chart } from "../components/Chart";
import { ServiceControls, StateBadge } from "../components/ServiceControls";
import { describeConnection, formatAgo, isLive } from "../connection";
import { useServices, useStats } from "../live";
import { errorMessage, formatBytes, formatPercent, sorted } from "../services";
import { CPU, MEMORY, fullestDisk, gpuPercent, type Columns, type SeriesSpec } from "../stats";
import type { Sample } from "../types";

const DISK: SeriesSpec = { label: "Disk %", fromSample: (s) => fullestDisk(s)?.usagePercent ?? null, historyKey: "" };
const GPU: SeriesSpec = { label: "GPU %", fromSample: gpuPercent, historyKey: "" };
const CARDS = [CPU, MEMORY, DISK, GPU];

export function Dashboard() {
  const connection = useConnection();
  const now = useNow();
  const { services, hosted, error } = useServices();
  const { latest, columns } = useStats(CARDS, 60);
  const [controlError, setControlError] = useState<string | null>(null);
  const live = isLive(connection);

  return (
    <>
      <h1>Dashboard</h1>
      <section aria-labelledby="host-heading">
        <h2 id="host-heading">Host{latest?.hostname ? `: ${latest.hostname}` : ""}</h2>
        <div class="cards">
          {CARDS.map((spec, i) => (
            <HostCard key={spec.label} spec={spec} index={i} latest={latest} columns={columns} stale={!live} />
          ))}
        </div>
      </section>
      <section aria-labelledby="services-heading">
        <h2 id="services-heading">Services</h2>
        <p class={`monitor ${connection.status}`} role="status">
          Hub: {describeConnection(connection, now)}
          {!live && services.size > 0 ? " — the states below are the last known, not current." : ""}
        </p>
        {error && <p class="error">{error}</p>}
        {controlError && (
          <p class="error" role="alert">
            {controlError}
          </p>
        )}
        {services.size === 0 && !error ? <p>No managed services yet.</p> : null}
        <ul class="service-list">
          {sorted(services).map(({ service, updatedAt }) => {
            const message = errorMessage(service);
            return (
              <li key={service.name} class="service">
                <div class="service-head">
                  <strong>{service.name}</strong>
                  <StateBadge service={service} stale={!live} />
                </div>
                <div class="service-meta">
                  <span>updated {formatAgo(now - updatedAt)}</span>
                  {service.stats && (
                    <span>
                      CPU {formatPercent(service.stats.cpuPercent)} · {formatBytes(service.stats.memoryBytes ?? service.stats.rssBytes)}
                    </span>
                  )}
                  {service.port ? <span>port {service.port}</span> : null}
                </div>
                {message && <p class="service-error">{message}</p>}
                <ServiceControls service={service} onError={setControlError} />
              </li>
            );
          })}
        </ul>
        {hosted.size > 0 && (
          <p class="detail">
            Also running: {hosted.size === 1 ? "1 MCP server process" : `${hosted.size} MCP server processes`}, managed by mcp-host (
            <Link href="/services">on the Services page</Link>).
          </p>
        )}
      </section>
      <RecentDeployments now={now} />
      {canAdminister() && <RecentAudit now={now} />}
    </>
  );
}

const RECENT = 5;

/** The last five deployments, kept current by `deployments:update` of the hub's /deployments. */
function RecentDeployments({ now }: { now: number }) {
  const hub = useHub();
  const [list, setList] = useState<Deployment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    api
      .deployments(RECENT)
      .then((answer) => current && setList((live) => answer.deployments.reduce((held, d) => upsert(held, d, RECENT), live ?? [])))
      .catch((failure) => current && setError(describe(failure)));
    const socket = hub.namespace("/deployments");
    const onUpdate = (deployment: Deployment) => setList((held) => upsert(held ?? [], deployment, RECENT));
    socket.on("deployments:update", onUpdate);
    return () => {
      current = false;
      socket.off("deployments:update", onUpdate);
    };
  }, [hub]);
  return (
    <section aria-labelledby="recent-deployments-heading">
      <div class="section-head">
        <h2 id="recent-deployments-heading">Recent deployments</h2>
        <Link href="/deployments">All deployments</Link>
      </div>
      {error && <p class="error">{error}</p>}
      {list && list.length === 0 && <p>No deployments yet.</p>}
      {list && list.length > 0 && (
        <ul class="recent">
          {list.map((deployment) => (
            <li key={deployment.id}>
              <strong>{deployment.service}</strong>
              <span class={`badge ${deploymentTone(deployment)}`}>{describeProgress(deployment)}</span>
              <time class="detail" dateTime={deployment.createdAt} title={new Date(deployment.createdAt).toLocaleString()}>
                {formatAgo(now - Date.parse(deployment.createdAt))}
              </time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function deploymentTone(deployment: Deployment): string {
  if (deployment.state === "succeeded") return "ok";
  if (deployment.state === "failed" || deployment.state === "rolled_back") return "bad";
  return isActive(deployment) ? "busy" : "idle";
}

const OUTCOME_TONE: Record<AuditEntry["outcome"], string> = { ok: "ok", refused: "warn", failed: "bad" };

/** The last five audit entries (admin only), read once when the dashboard opens. */
function RecentAudit({ now }: { now: number }) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    api
      .audit(NO_AUDIT_FILTER, null, RECENT)
      .then((page) => current && setEntries(page.entries.slice(0, RECENT)))
      .catch((failure) => current && setError(describeAuditFailure(failure)));
    return () => {
      current = false;
    };
  }, []);
  return (
    <section aria-labelledby="recent-audit-heading">
      <div class="section-head">
        <h2 id="recent-audit-heading">Recent audit entries</h2>
        <Link href="/settings">Audit log</Link>
      </div>
      {error && <p class="error">{error}</p>}
      {entries && entries.length === 0 && <p>Nothing audited yet.</p>}
      {entries && entries.length > 0 && (
        <ul class="recent">
          {entries.map((entry) => (
            <li key={entry.id}>
              <strong>{entry.actor}</strong>
              <code>{entry.action}</code>
              {entry.target && <span>{entry.target}</span>}
              <span class={`badge ${OUTCOME_TONE[entry.outcome] ?? "idle"}`}>{entry.outcome}</span>
              <time class="detail" dateTime={entry.at} title={new Date(entry.at).toLocaleString()}>
                {formatAgo(now - Date.parse(entry.at))}
              </time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function HostCard({ spec, index, latest, columns, stale }: { spec: SeriesSpec; index: number; latest: Sample | null; columns: Columns; stale: boolean }) {
  const value = latest ? spec.fromSample(latest) : null;
  const detail = latest ? cardDetail(spec, latest) : "waiting for the first sample";
  const series: Columns = [columns[0], columns[index + 1]];
  return (
    <article class={`card${stale ? " stale" : ""}`} aria-label={spec.label.replace(" %", "")}>
      <h3>{spec.label.replace(" %", "")}</h3>
      <p class="figure">{formatPercent(value)}</p>
      <p class="detail">{detail}</p>
      <Chart data={series} labels={[spec.label]} height={48} spark range={[0, 100]} title={`${spec.label} over the last minutes`} />
    </article>
  );
}

function cardDetail(spec: SeriesSpec, sample: Sample): string {
  if (spec === MEMORY) return `${formatBytes(sample.memory.usedBytes)} of ${formatBytes(sample.memory.totalBytes)}`;
  if (spec === CPU) return `${sample.cpu.cores.length} cores`;
  if (spec === DISK) {
    const disk = fullestDisk(sample);
    return disk ? `${disk.mount}: ${formatBytes(disk.freeBytes)} free` : "no filesystems";
  }
  return sample.gpus.length === 0 ? "no GPU found" : sample.gpus.map((gpu) => gpu.name).join(", ");
}
