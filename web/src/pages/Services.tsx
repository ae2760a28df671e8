/** Every service with its state and per-process CPU and memory, and the live logs of one. */
import { useState } from "preact/hooks";
import { useConnection } from "../app";
import { canAdminister } from "../auth";
import { ServiceControls, StateBadge } from "../components/ServiceControls";
import { LogViewer } from "../components/LogViewer";
import { ServiceForm } from "../components/ServiceForm";
import { isLive } from "../connection";
import { useServices } from "../live";
import { errorMessage, formatBytes, formatPercent, sorted } from "../services";

export function Services() {
  const { services, error } = useServices();
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
      {selected && <LogViewer key={selected} services={[selected]} title={`Logs of ${selected}`} />}
    </>
  );
}
