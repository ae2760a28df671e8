/**
 * Every service with its state and per-process CPU and memory, the MCP server processes the
 * supervisor runs for mcp-host (listed apart, without controls), and the live logs of one of them.
 */
import { useState } from "preact/hooks";
import { useConnection, useNow } from "../app";
import { formatUptime } from "../about";
import { canAdminister } from "../auth";
import { ServiceControls, StateBadge } from "../components/ServiceControls";
import { LogViewer } from "../components/LogViewer";
import { ServiceForm } from "../components/ServiceForm";
import { isLive } from "../connection";
import { useServices } from "../live";
import { errorMessage, formatBytes, formatPercent, hostedRow, hostedTone, sorted, sortedHosted, type HostedMap } from "../services";

export function Services() {
  const { services, hosted, error } = useServices();
  const live = isLive(useConnection());
  const [selected, setSelected] = useState<string | null>(null);
  const [controlError, setControlError] = useState<string | null>(null);
  /** The form: closed, a new service (""), or the name of the one edited. */
  const [editing, setEditing] = useState<string | null>(null);
  const admin = canAdminister();
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
      <HostedProcesses hosted={hosted} live={live} selected={selected} onLogs={setSelected} />
      {selected && <LogViewer key={selected} services={[selected]} title={`Logs of ${selected}`} />}
    </>
  );
}

/**
 * The MCP server instances the supervisor runs for mcp-host: what they are, their figures and their
 * logs. No start, stop or restart: mcp-host starts one at the first request for it, stops it when
 * idle and restarts it by its server's policy.
 */
function HostedProcesses({ hosted, live, selected, onLogs }: { hosted: HostedMap; live: boolean; selected: string | null; onLogs: (name: string) => void }) {
  const now = useNow();
  const rows = sortedHosted(hosted).map(({ process }) => ({ process, row: hostedRow(process, now) }));
  return (
    <section aria-labelledby="hosted-heading">
      <h2 id="hosted-heading">MCP server processes</h2>
      <p class="detail">
        Instances of MCP servers, run by the supervisor for mcp-host and managed by mcp-host: it starts one at the first request for it, stops it when idle and
        restarts it by the server's policy, so they have no controls here (see <code>docs/mcp.md</code>, “Processes and faults”).
      </p>
      {rows.length === 0 ? (
        <p>No MCP server process is running.</p>
      ) : (
        <div class="table-wrap">
          <table class="hosted">
            <caption class="visually-hidden">MCP server processes, managed by mcp-host</caption>
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">Project</th>
                <th scope="col">State</th>
                <th scope="col">PID</th>
                <th scope="col">Uptime</th>
                <th scope="col">CPU</th>
                <th scope="col">Memory</th>
                <th scope="col">Managed by</th>
                <th scope="col">Log</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ process, row }) => (
                <tr key={row.name} aria-selected={row.name === selected}>
                  <th scope="row" title={row.name}>
                    {row.server}
                  </th>
                  <td>{row.project === "" ? <span class="detail">shared</span> : row.project}</td>
                  <td>
                    <span class={`badge ${live ? hostedTone(process) : "stale"}`} title={live ? undefined : "Not current: the hub connection is down"}>
                      {process.state}
                      {live ? "" : " (stale)"}
                    </span>
                  </td>
                  <td>{row.pid}</td>
                  <td>{formatUptime(row.uptimeSeconds)}</td>
                  <td>{row.cpu}</td>
                  <td>{row.memory}</td>
                  <td>{row.owner}</td>
                  <td class="actions">
                    <button type="button" onClick={() => onLogs(row.name)} aria-pressed={row.name === selected} aria-label={`logs of ${row.name}`}>
                      logs
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
