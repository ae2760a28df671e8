/**
 * Deployments: the history kept current by the hub's `deployments:update`, a form to start one, and
 * a deployment's steps with a progress bar, its live step logs, cancel, and why it failed or was
 * rolled back.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { useHub } from "../app";
import { canControl } from "../auth";
import { Lines } from "../components/LogViewer";
import { describeProgress, isActive, progress, toRequest, upsert, type Deployment } from "../deployments";
import { command } from "../hub";
import { useServices } from "../live";
import { addLines } from "../logView";
import { ApiError, describe, toFormMessages, type FormMessages } from "../problem";
import { sorted } from "../services";
import type { LogBatch, LogLine } from "../types";

export function Deployments() {
  const hub = useHub();
  const [list, setList] = useState<Deployment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    api
      .deployments()
      .then((answer) => current && setList(answer.deployments))
      .catch((failure) => current && setError(describe(failure)));
    const socket = hub.namespace("/deployments");
    const onUpdate = (deployment: Deployment) => setList((held) => upsert(held, deployment));
    socket.on("deployments:update", onUpdate);
    return () => {
      current = false;
      socket.off("deployments:update", onUpdate);
    };
  }, [hub]);

  const chosen = list.find((deployment) => deployment.id === selected) ?? null;
  return (
    <>
      <h1>Deployments</h1>
      {canControl() && <NewDeployment onStarted={(deployment) => {
        setList((held) => upsert(held, deployment));
        setSelected(deployment.id);
      }} />}
      {error && <p class="error">{error}</p>}
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Deployments, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Service</th>
              <th scope="col">Progress</th>
              <th scope="col">Started</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((deployment) => (
              <tr key={deployment.id} aria-selected={deployment.id === selected}>
                <th scope="row">{deployment.id}</th>
                <td>{deployment.service}</td>
                <td>
                  <Progress deployment={deployment} />
                </td>
                <td>
                  <time dateTime={deployment.createdAt}>{new Date(deployment.createdAt).toLocaleString()}</time>
                </td>
                <td class="actions">
                  <button type="button" onClick={() => setSelected(deployment.id)} aria-pressed={deployment.id === selected}>
                    steps and logs
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.length === 0 && !error && <p>No deployments yet.</p>}
      {chosen && <DeploymentDetail key={chosen.id} deployment={chosen} />}
    </>
  );
}

function Progress({ deployment }: { deployment: Deployment }) {
  const tone = deployment.state === "succeeded" ? "ok" : deployment.state === "failed" || deployment.state === "rolled_back" ? "bad" : isActive(deployment) ? "busy" : "idle";
  return (
    <div class="deploy-progress">
      <progress value={Math.round(progress(deployment) * 100)} max={100} aria-label={`Deployment ${deployment.id} progress`} />
      <span class={`badge ${tone}`}>{describeProgress(deployment)}</span>
    </div>
  );
}

function NewDeployment({ onStarted }: { onStarted: (deployment: Deployment) => void }) {
  const { services } = useServices();
  const names = sorted(services).map(({ service }) => service.name);
  const [service, setService] = useState("");
  const [steps, setSteps] = useState("");
  const [healthTimeout, setHealthTimeout] = useState("");
  const [messages, setMessages] = useState<FormMessages>({ form: null, fields: {} });
  const [busy, setBusy] = useState(false);
  const target = service || names[0] || "";

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setMessages({ form: null, fields: {} });
    try {
      onStarted(await api.deploy(toRequest(target, steps, healthTimeout)));
      setSteps("");
    } catch (failure) {
      setMessages(failure instanceof ApiError ? toFormMessages(failure.problem, ["service", "steps", "healthTimeout"]) : { form: String(failure), fields: {} });
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="new-deployment">
      <summary>Start a deployment</summary>
      {messages.form && (
        <p class="error" role="alert">
          {messages.form}
        </p>
      )}
      <form onSubmit={submit} class="deploy-form">
        <label>
          Service{" "}
          <select value={target} onChange={(e) => setService((e.target as HTMLSelectElement).value)}>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        {messages.fields.service && <p class="field-error">{messages.fields.service}</p>}
        <label for="deploy-steps">Steps, one shell command line each, run in the service's folder before it restarts</label>
        <textarea id="deploy-steps" rows={4} value={steps} placeholder={"git pull\nnpm ci && npm run build"} onInput={(e) => setSteps((e.target as HTMLTextAreaElement).value)} />
        {messages.fields.steps && <p class="field-error">{messages.fields.steps}</p>}
        <label>
          Healthy within{" "}
          <input value={healthTimeout} placeholder="2m" size={6} onInput={(e) => setHealthTimeout((e.target as HTMLInputElement).value)} />
        </label>
        {messages.fields.healthTimeout && <p class="field-error">{messages.fields.healthTimeout}</p>}
        <button type="submit" class="primary" disabled={busy || target === ""}>
          {busy ? "Starting…" : "Deploy"}
        </button>
      </form>
    </details>
  );
}

function DeploymentDetail({ deployment }: { deployment: Deployment }) {
  const hub = useHub();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => {
    let current = true;
    const id = deployment.id;
    api
      .deploymentLogs(id)
      .then((answer) => current && setLines((live) => addLines(answer.lines, live, 2000)))
      .catch((failure) => current && setNotice(describe(failure)));
    const socket = hub.namespace("/deployments");
    const onLogs = (batch: LogBatch & { deploymentId?: string }) => {
      if (batch.deploymentId === id) setLines((held) => addLines(held, batch.lines, 2000));
    };
    socket.on("logs", onLogs);
    const stop = hub.whenConnected("/deployments", (connected) => {
      command(connected, "subscribe:logs", { deploymentId: id, tail: 0 }).catch((failure: Error) => setNotice(failure.message));
    });
    return () => {
      current = false;
      stop();
      socket.off("logs", onLogs);
      if (socket.connected) socket.emit("unsubscribe:logs", { deploymentId: id });
    };
  }, [hub, deployment.id]);

  const cancel = async () => {
    setCancelling(true);
    try {
      await api.cancelDeployment(deployment.id);
    } catch (failure) {
      setNotice(`Cancel: ${describe(failure)}`);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <section class="logs" aria-labelledby="deployment-heading">
      <div class="logs-head">
        <h2 id="deployment-heading">
          Deployment {deployment.id} of {deployment.service}
        </h2>
        {canControl() && isActive(deployment) && (
          <button type="button" onClick={cancel} disabled={cancelling}>
            {cancelling ? "Cancelling…" : "Cancel"}
          </button>
        )}
      </div>
      <Progress deployment={deployment} />
      {deployment.reason && <p class="error">Reason: {deployment.reason}</p>}
      <ol class="deploy-steps">
        {deployment.steps.map((step, i) => (
          <li key={i} class={`step ${step.state ?? "pending"}`}>
            <strong>{step.name}</strong> <code>{step.command.join(" ")}</code> — {step.state ?? "pending"}
            {step.exit !== undefined ? ` (exit ${step.exit})` : ""}
          </li>
        ))}
        <li class="step">restart and wait up to {deployment.healthTimeout} for health</li>
      </ol>
      {notice && <p class="error">{notice}</p>}
      <Lines label={`Log lines of deployment ${deployment.id}`} lines={lines.map((line) => ({ ...line, service: deployment.service }))} follow={true} />
    </section>
  );
}
