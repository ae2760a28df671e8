/**
 * Create a service (blank or from a template of switchboard.example.yaml) or edit one's definition.
 * The API checks the definition against its contract; its messages show under the input it names.
 */
import type { InputHTMLAttributes, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { ApiError, toFormMessages, type FormMessages } from "../problem";
import {
  EMPTY_FORM,
  FORM_FIELDS,
  forForm,
  TEMPLATES,
  toDefinition,
  toForm,
  type FormField,
  type HealthKind,
  type RestartWord,
  type ServiceForm as Form,
} from "../serviceForm";

type Props = {
  /** The service to edit; none to create one. */
  editing: string | null;
  onDone: (name: string | null) => void;
};

const NO_MESSAGES: FormMessages = { form: null, fields: {} };

export function ServiceForm({ editing, onDone }: Props) {
  const [form, setForm] = useState<Form>(EMPTY_FORM);
  const [messages, setMessages] = useState<FormMessages>(NO_MESSAGES);
  const [busy, setBusy] = useState(editing !== null);

  useEffect(() => {
    if (editing === null) return;
    api
      .service(editing)
      .then((service) => setForm(toForm(service)))
      .catch((error: Error) => setMessages({ form: `Could not read ${editing}: ${error.message}`, fields: {} }))
      .finally(() => setBusy(false));
  }, [editing]);

  const set = <K extends keyof Form>(key: K) => (value: Form[K]) => setForm((current) => ({ ...current, [key]: value }));

  const submit = async (event: Event) => {
    event.preventDefault();
    const result = toDefinition(form);
    if ("errors" in result) {
      setMessages({ form: null, fields: result.errors as Record<string, string> });
      return;
    }
    setBusy(true);
    setMessages(NO_MESSAGES);
    try {
      const saved = editing === null ? await api.createService(result.definition) : await api.updateService(editing, result.definition);
      onDone(saved.name);
    } catch (error) {
      setMessages(error instanceof ApiError ? toFormMessages(forForm(error.problem), FORM_FIELDS) : { form: String(error), fields: {} });
    } finally {
      setBusy(false);
    }
  };

  const field = (name: FormField, label: string, input: JSX.Element, hint?: string) => {
    const message = messages.fields[name];
    const id = `svc-${name}`;
    return (
      <div class="field">
        <label for={id}>{label}</label>
        {input}
        {hint && (
          <p class="hint" id={`${id}-hint`}>
            {hint}
          </p>
        )}
        {message && (
          <p class="field-error" id={`${id}-error`} role="alert">
            {message}
          </p>
        )}
      </div>
    );
  };
  const describedBy = (name: FormField) => [messages.fields[name] ? `svc-${name}-error` : "", `svc-${name}-hint`].join(" ").trim();
  const text = (name: FormField, key: keyof Form, props: InputHTMLAttributes<HTMLInputElement> = {}) => (
    <input
      id={`svc-${name}`}
      value={form[key] as string}
      aria-invalid={messages.fields[name] ? true : undefined}
      aria-describedby={describedBy(name)}
      onInput={(e) => set(key)((e.target as HTMLInputElement).value as never)}
      {...props}
    />
  );
  const area = (name: FormField, key: keyof Form, rows = 3) => (
    <textarea
      id={`svc-${name}`}
      rows={rows}
      value={form[key] as string}
      aria-invalid={messages.fields[name] ? true : undefined}
      aria-describedby={describedBy(name)}
      onInput={(e) => set(key)((e.target as HTMLTextAreaElement).value as never)}
    />
  );

  return (
    <section class="service-form" aria-labelledby="service-form-heading">
      <h2 id="service-form-heading">{editing === null ? "New service" : `Edit ${editing}`}</h2>
      {editing === null && (
        <div class="templates" role="group" aria-label="Start from a template">
          <span>Start from:</span>
          <button type="button" onClick={() => setForm(EMPTY_FORM)}>
            blank
          </button>
          {TEMPLATES.map((template) => (
            <button key={template.id} type="button" title={template.about} onClick={() => setForm(toForm(template.definition))}>
              {template.title}
            </button>
          ))}
        </div>
      )}
      {messages.form && (
        <p class="error" role="alert">
          {messages.form}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        {field("name", "Name", text("name", "name", { required: true, readOnly: editing !== null, autoComplete: "off" }), "Letters, digits and '-'; routes take it as written.")}
        {field("description", "Description", text("description", "description"))}
        <div class="field">
          <label>
            <input type="checkbox" checked={form.shell} onChange={(e) => set("shell")((e.target as HTMLInputElement).checked)} /> Run as one
            shell command line (/bin/sh -c)
          </label>
        </div>
        {field(
          "command",
          form.shell ? "Command line" : "Command, one argument per line",
          area("command", "command", form.shell ? 3 : 5),
          form.shell ? undefined : "The program first, then each argument on its own line (no shell quoting).",
        )}
        {field("cwd", "Working directory", text("cwd", "cwd"))}
        {field("env", "Environment (KEY=value per line)", area("env", "env"), "Values are shown to admins only; a masked value is empty here: write it anew.")}
        {field("envFrom", "Environment files (one absolute path per line, read at each start)", area("envFrom", "envFrom", 2))}
        {field("port", "Port", text("port", "port", { inputMode: "numeric" }))}
        <fieldset class="field">
          <legend>Health check</legend>
          <select
            aria-label="Health check kind"
            value={form.healthKind}
            onChange={(e) => set("healthKind")((e.target as HTMLSelectElement).value as HealthKind)}
          >
            <option value="none">none</option>
            <option value="http">HTTP URL</option>
            <option value="tcp">TCP port</option>
            <option value="command">command (exit 0)</option>
          </select>
          {form.healthKind !== "none" && (
            <>
              {form.healthKind === "command" ? area("health", "healthTarget", 2) : text("health", "healthTarget", { "aria-label": "Health check target" })}
              <label>
                Interval {text("health", "healthInterval", { id: "svc-health-interval", placeholder: "10s", size: 6 })}
              </label>
              <label>
                Start period {text("health", "healthStartPeriod", { id: "svc-health-start", placeholder: "0s", size: 6 })}
              </label>
            </>
          )}
          {messages.fields.health && (
            <p class="field-error" role="alert">
              {messages.fields.health}
            </p>
          )}
        </fieldset>
        {field(
          "restart",
          "Restart",
          <select id="svc-restart" value={form.restart} onChange={(e) => set("restart")((e.target as HTMLSelectElement).value as RestartWord)}>
            <option value="no">no</option>
            <option value="on-failure">on failure</option>
            <option value="always">always</option>
          </select>,
        )}
        {field("maxMemory", "Memory limit (bytes, or like 512M, 2G)", text("maxMemory", "maxMemory"))}
        {field("stopTimeout", "Stop timeout", text("stopTimeout", "stopTimeout", { placeholder: "10s" }))}
        {field("dependsOn", "Depends on (a name per line; add ': healthy' to wait for its health)", area("dependsOn", "dependsOn", 2))}
        <div class="field">
          <label>
            <input type="checkbox" checked={form.autostart} onChange={(e) => set("autostart")((e.target as HTMLInputElement).checked)} /> Start it
            when Switchboard starts (and now, when created)
          </label>
        </div>
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : editing === null ? "Create" : "Save"}
          </button>
          <button type="button" onClick={() => onDone(null)}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
