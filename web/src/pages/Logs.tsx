/** Every service's lines in one view (or side by side), with the stream filter, search and exports. */
import { useState } from "preact/hooks";
import { LogViewer } from "../components/LogViewer";
import { useServices } from "../live";
import { sorted } from "../services";

export function Logs() {
  const { services, error } = useServices();
  const names = sorted(services).map(({ service }) => service.name);
  /** The services left out; every other one is shown, new ones included. */
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const chosen = names.filter((name) => !hidden.has(name));
  const toggle = (name: string, shown: boolean) => {
    const next = new Set(hidden);
    if (shown) next.delete(name);
    else next.add(name);
    setHidden(next);
  };

  return (
    <>
      <h1>Logs</h1>
      {error && <p class="error">{error}</p>}
      {names.length === 0 && !error && <p>No managed services yet.</p>}
      {names.length > 0 && (
        <fieldset class="log-services">
          <legend>Services</legend>
          {names.map((name) => (
            <label key={name}>
              <input type="checkbox" checked={!hidden.has(name)} onChange={(e) => toggle(name, (e.target as HTMLInputElement).checked)} /> {name}
            </label>
          ))}
        </fieldset>
      )}
      {chosen.length > 0 && <LogViewer key={chosen.join("\u0000")} services={chosen} title={chosen.length === names.length ? "Every service" : chosen.join(", ")} />}
    </>
  );
}
