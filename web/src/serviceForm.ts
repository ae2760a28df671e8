/**
 * The service form's logic, free of the DOM: a definition (the API's `ServiceDefinition`) to the
 * texts of the form's inputs and back, the templates of `switchboard.example.yaml`, and the API's
 * field names (`health.tcp`, `command[0]`, `env.KEY`) to the input that shows their message.
 *
 * The form edits what people change most; whatever else a definition holds (a restart policy's
 * delays, a probe's timeout) is kept as it was and sent back unchanged.
 */
import type { Problem } from "./problem";
import type { components } from "./generated/api";

export type Definition = components["schemas"]["ServiceDefinition"];
type HealthCheck = components["schemas"]["HealthCheck"];
type RestartPolicy = components["schemas"]["RestartPolicy"];
export type RestartWord = NonNullable<RestartPolicy["policy"]>;
export type HealthKind = "none" | "http" | "tcp" | "command";

/** The inputs of the form, as the texts and choices they hold. */
export interface ServiceForm {
  name: string;
  description: string;
  /** `true`: `command` is one line run by /bin/sh -c; `false`: one argument per line. */
  shell: boolean;
  command: string;
  cwd: string;
  /** `KEY=value`, one per line. */
  env: string;
  /** Absolute paths of dotenv files, one per line. */
  envFrom: string;
  port: string;
  healthKind: HealthKind;
  /** The URL, the port, or the probe command (one argument per line), by `healthKind`. */
  healthTarget: string;
  healthInterval: string;
  healthStartPeriod: string;
  restart: RestartWord;
  autostart: boolean;
  maxMemory: string;
  stopTimeout: string;
  /** A service name per line, with `: healthy` to wait for its health. */
  dependsOn: string;
  /** What the definition held that the form does not show, sent back as it was. */
  kept: { health?: HealthCheck; restart?: RestartPolicy; rest: Partial<Definition> };
}

/** The form's inputs, by the name a message is shown under. */
export const FORM_FIELDS = [
  "name",
  "description",
  "command",
  "cwd",
  "env",
  "envFrom",
  "port",
  "health",
  "restart",
  "autostart",
  "maxMemory",
  "stopTimeout",
  "dependsOn",
] as const;
export type FormField = (typeof FORM_FIELDS)[number];

/** The fields of a definition the form has inputs for; the rest is kept. */
const SHOWN = new Set<string>([
  "name",
  "description",
  "shell",
  "command",
  "cwd",
  "env",
  "envFrom",
  "port",
  "health",
  "restart",
  "autostart",
  "maxMemory",
  "stopTimeout",
  "dependsOn",
]);

/**
 * Every field of a definition (the type makes a change of the contract show here): a service's
 * answer holds its state beside them, which is never sent back.
 */
const DEFINITION_FIELDS: Record<keyof Definition, true> = {
  name: true,
  command: true,
  shell: true,
  description: true,
  cwd: true,
  env: true,
  envFrom: true,
  port: true,
  health: true,
  dependsOn: true,
  autostart: true,
  restart: true,
  stopSignal: true,
  stopTimeout: true,
  maxMemory: true,
};

export const EMPTY_FORM: ServiceForm = {
  name: "",
  description: "",
  shell: false,
  command: "",
  cwd: "",
  env: "",
  envFrom: "",
  port: "",
  healthKind: "none",
  healthTarget: "",
  healthInterval: "",
  healthStartPeriod: "",
  restart: "on-failure",
  autostart: false,
  maxMemory: "",
  stopTimeout: "",
  dependsOn: "",
  kept: { rest: {} },
};

export interface Template {
  id: string;
  title: string;
  about: string;
  definition: Definition;
}

/**
 * The examples of `switchboard.example.yaml`, as they are there (a test holds them to the file):
 * a starting point to change the paths, ports and model of.
 */
export const TEMPLATES: readonly Template[] = [
  {
    id: "static-files",
    title: "Static files",
    about: "Python's own web server on a port: nothing to install.",
    definition: {
      name: "static-files",
      command: ["python3", "-m", "http.server", "8000", "--bind", "127.0.0.1", "--directory", "/usr/share/doc"],
      port: 8000,
      health: { http: "http://127.0.0.1:8000/", interval: "10s" },
      restart: "always",
    },
  },
  {
    id: "ollama",
    title: "Ollama",
    about: "ollama serve, in the foreground.",
    definition: {
      name: "ollama",
      command: ["ollama", "serve"],
      env: { OLLAMA_HOST: "127.0.0.1:11434" },
      port: 11434,
      health: { http: "http://127.0.0.1:11434/api/version", startPeriod: "1m" },
      restart: "on-failure",
    },
  },
  {
    id: "llama-server",
    title: "llama.cpp server",
    about: "llama-server with a GGUF model; /health answers 503 while it loads, which keeps it starting.",
    definition: {
      name: "llama-server",
      command: ["llama-server", "-m", "/models/qwen2.5-7b-instruct-q4_k_m.gguf", "--host", "127.0.0.1", "--port", "8080"],
      envFrom: ["/etc/switchboard/llama.env"],
      port: 8080,
      health: { http: "http://127.0.0.1:8080/health", interval: "10s", startPeriod: "5m" },
      restart: { policy: "on-failure", initialDelay: "1s", maxDelay: "60s", limit: 5, window: "10m" },
      maxMemory: "24G",
      autostart: true,
    },
  },
  {
    id: "lm-studio",
    title: "LM Studio",
    about: "LM Studio's headless server through lms, kept in the foreground while it answers.",
    definition: {
      name: "lm-studio",
      shell: true,
      command:
        "trap 'lms server stop' EXIT; trap 'exit 0' TERM INT; lms daemon up && lms server start --port 1234 || exit 1; " +
        "while curl -fsS -o /dev/null http://127.0.0.1:1234/v1/models; do sleep 5 & wait $!; done; " +
        'echo "LM Studio\'s server stopped answering"; exit 1',
      port: 1234,
      health: { http: "http://127.0.0.1:1234/v1/models", startPeriod: "1m" },
      restart: "on-failure",
    },
  },
  {
    id: "comfyui",
    title: "ComfyUI",
    about: "ComfyUI from its folder, started once the LLM server is healthy.",
    definition: {
      name: "comfyui",
      command: ["python3", "main.py", "--listen", "127.0.0.1", "--port", "8188"],
      cwd: "/opt/ComfyUI",
      env: { PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True" },
      port: 8188,
      health: { http: "http://127.0.0.1:8188/system_stats", startPeriod: "2m" },
      dependsOn: { "llama-server": "healthy" },
      stopTimeout: "20s",
      restart: "always",
    },
  },
];

const lines = (text: string): string[] =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);

/** A number when the text is one, else the text itself: the API names what is wrong with it. */
function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

const text = (value: string | number | undefined): string => (value === undefined ? "" : String(value));

/** A definition as the API shows it: an env value may be masked. */
type Shown = Partial<Omit<Definition, "env">> & { env?: Record<string, string | { masked: true }> };

/** The form showing a definition (a template's, or a service's as the API answers it). */
export function toForm(definition: Shown): ServiceForm {
  const health = definition.health;
  const healthKind: HealthKind = health?.http !== undefined ? "http" : health?.tcp !== undefined ? "tcp" : health?.command ? "command" : "none";
  const restart = definition.restart;
  const policy: RestartPolicy | undefined = typeof restart === "object" ? restart : undefined;
  const rest: Partial<Definition> = {};
  for (const [key, value] of Object.entries(definition)) {
    if (key in DEFINITION_FIELDS && !SHOWN.has(key)) {
      (rest as Record<string, unknown>)[key] = value;
    }
  }
  const env = definition.env ?? {};
  return {
    name: definition.name ?? "",
    description: definition.description ?? "",
    shell: definition.shell === true,
    command: Array.isArray(definition.command) ? definition.command.join("\n") : (definition.command ?? ""),
    cwd: definition.cwd ?? "",
    env: Object.entries(env)
      .map(([key, value]) => `${key}=${typeof value === "string" ? value : ""}`)
      .join("\n"),
    envFrom: (definition.envFrom ?? []).join("\n"),
    port: text(definition.port),
    healthKind,
    healthTarget:
      healthKind === "http" ? (health?.http ?? "") : healthKind === "tcp" ? String(health?.tcp) : healthKind === "command" ? (health?.command ?? []).join("\n") : "",
    healthInterval: text(health?.interval),
    healthStartPeriod: text(health?.startPeriod),
    restart: (typeof restart === "string" ? restart : policy?.policy) ?? "on-failure",
    autostart: definition.autostart === true,
    maxMemory: text(definition.maxMemory),
    stopTimeout: text(definition.stopTimeout),
    dependsOn: dependsOnLines(definition.dependsOn),
    kept: { health, restart: policy, rest },
  };
}

function dependsOnLines(dependsOn: Definition["dependsOn"]): string {
  if (!dependsOn) {
    return "";
  }
  const entries: [string, string][] = Array.isArray(dependsOn)
    ? dependsOn.map((item) => (typeof item === "string" ? [item, "started"] : [item.name, item.condition ?? "started"]))
    : Object.entries(dependsOn);
  return entries.map(([name, condition]) => (condition === "healthy" ? `${name}: healthy` : name)).join("\n");
}

/**
 * The definition the form describes, or the messages of what cannot be one at all (a line of `env`
 * without `=`). Everything else is for the API to judge: its answer names the field.
 */
export function toDefinition(form: ServiceForm): { definition: Definition } | { errors: Partial<Record<FormField, string>> } {
  const errors: Partial<Record<FormField, string>> = {};
  const env: Record<string, string> = {};
  for (const line of lines(form.env)) {
    const equals = line.indexOf("=");
    if (equals <= 0) {
      errors.env = `"${line}" is not KEY=value`;
    } else {
      env[line.slice(0, equals).trim()] = line.slice(equals + 1);
    }
  }
  const dependsOn: Record<string, "started" | "healthy"> = {};
  for (const line of lines(form.dependsOn)) {
    const [name, condition] = line.split(":").map((part) => part.trim());
    if (condition !== undefined && condition !== "healthy" && condition !== "started") {
      errors.dependsOn = `"${line}": after the name, ": healthy" or ": started"`;
    } else {
      dependsOn[name] = condition === "healthy" ? "healthy" : "started";
    }
  }
  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  const definition: Definition = {
    ...form.kept.rest,
    name: form.name.trim(),
    command: form.shell ? form.command.trim() : lines(form.command),
  };
  if (form.shell) definition.shell = true;
  if (form.description.trim()) definition.description = form.description.trim();
  if (form.cwd.trim()) definition.cwd = form.cwd.trim();
  if (Object.keys(env).length > 0) definition.env = env;
  if (lines(form.envFrom).length > 0) definition.envFrom = lines(form.envFrom);
  if (form.port.trim()) definition.port = numberOrText(form.port) as number;
  const health = healthOf(form);
  if (health) definition.health = health;
  definition.restart = form.kept.restart ? { ...form.kept.restart, policy: form.restart } : form.restart;
  if (form.autostart) definition.autostart = true;
  if (form.maxMemory.trim()) definition.maxMemory = numberOrText(form.maxMemory);
  if (form.stopTimeout.trim()) definition.stopTimeout = form.stopTimeout.trim();
  if (Object.keys(dependsOn).length > 0) definition.dependsOn = dependsOn;
  return { definition };
}

function healthOf(form: ServiceForm): HealthCheck | undefined {
  if (form.healthKind === "none") {
    return undefined;
  }
  // a probe's other settings (timeout, retries, expected status) stay as they were
  const { http: _http, tcp: _tcp, command: _command, interval: _interval, startPeriod: _startPeriod, ...others } = form.kept.health ?? {};
  const health: HealthCheck = { ...others };
  if (form.healthKind === "http") health.http = form.healthTarget.trim();
  if (form.healthKind === "tcp") health.tcp = numberOrText(form.healthTarget) as number;
  if (form.healthKind === "command") health.command = lines(form.healthTarget);
  if (form.healthInterval.trim()) health.interval = form.healthInterval.trim();
  if (form.healthStartPeriod.trim()) health.startPeriod = form.healthStartPeriod.trim();
  return health;
}

/** The input that shows the message of an API field: `health.tcp` under health, `command[0]` under command. */
export function inputOf(apiField: string): FormField | null {
  const head = apiField.split(/[.[]/, 1)[0];
  if (head === "shell") return "command";
  return (FORM_FIELDS as readonly string[]).includes(head) ? (head as FormField) : null;
}

/** The problem with its fields renamed to the form's inputs, keeping the API's path in the reason. */
export function forForm(problem: Problem): Problem {
  return {
    ...problem,
    "invalid-params": (problem["invalid-params"] ?? []).map((param) => {
      const input = inputOf(param.name);
      if (input === null || input === param.name) return param;
      return { name: input, reason: `${param.name.slice(input.length).replace(/^\./, "")}: ${param.reason}` };
    }),
  };
}
