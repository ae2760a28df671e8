/** Start, stop and restart of one service: shown only to a role that may control. */
import { useState } from "preact/hooks";
import { api, type Control } from "../api";
import { canControl } from "../auth";
import { describe } from "../problem";
import { commands, tone } from "../services";
import type { Service } from "../types";

export function ServiceControls({ service, onError }: { service: Service; onError: (message: string | null) => void }) {
  const [busy, setBusy] = useState<Control | null>(null);
  if (!canControl()) {
    return null;
  }
  const allowed = commands(service.state);
  const run = async (action: Control) => {
    setBusy(action);
    onError(null);
    try {
      await api.control(service.name, action);
    } catch (error) {
      onError(`${action} ${service.name}: ${describe(error)}`);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div class="controls" role="group" aria-label={`Control ${service.name}`}>
      {(["start", "stop", "restart"] as const).map((action) => (
        <button
          key={action}
          type="button"
          disabled={!allowed[action] || busy !== null}
          onClick={() => run(action)}
          aria-label={`${action} ${service.name}`}
        >
          {busy === action ? `${action}ing…` : action}
        </button>
      ))}
    </div>
  );
}

export function StateBadge({ service, stale }: { service: Service; stale: boolean }) {
  return (
    <span class={`badge ${stale ? "stale" : tone(service)}`} title={stale ? "Not current: the hub connection is down" : undefined}>
      {service.state}
      {service.healthStatus && service.healthStatus.status !== "none" ? ` · ${service.healthStatus.status}` : ""}
      {stale ? " (stale)" : ""}
    </span>
  );
}
