import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import example from "../../switchboard.example.yaml?raw";
import { EMPTY_FORM, forForm, inputOf, TEMPLATES, toDefinition, toForm, type Definition } from "./serviceForm";

/** The services of switchboard.example.yaml, its "# " taken off as its header says to. */
function exampleServices(): Definition[] {
  const text = example.split("\n");
  const from = text.findIndex((line) => line.startsWith("services:"));
  const uncommented = text
    .slice(from)
    .filter((line) => !/^\s*##( |$)/.test(line))
    .map((line) => line.replace(/^(\s*)# /, "$1"))
    .join("\n");
  return (parse(uncommented) as { services: Definition[] }).services;
}

function definitionOf(result: ReturnType<typeof toDefinition>): Definition {
  if ("errors" in result) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}

describe("templates", () => {
  it("are the examples of switchboard.example.yaml, as written there", () => {
    const examples = exampleServices();
    for (const name of ["llama-server", "lm-studio", "comfyui"]) {
      expect(TEMPLATES.map((template) => template.id)).toContain(name);
    }
    for (const template of TEMPLATES) {
      expect(examples.find((example) => example.name === template.id)).toEqual(template.definition);
    }
  });

  it("come back unchanged through the form", () => {
    for (const template of TEMPLATES) {
      const back = definitionOf(toDefinition(toForm(template.definition)));
      const expected: Definition = { ...template.definition, restart: template.definition.restart ?? "on-failure" };
      expect(back).toEqual(expected);
    }
  });
});

describe("the form", () => {
  it("makes an argv of one argument per line, or a shell line", () => {
    const argv = definitionOf(toDefinition({ ...EMPTY_FORM, name: "web", command: "python3\n -m \n\nhttp.server\n" }));
    expect(argv.command).toEqual(["python3", "-m", "http.server"]);
    expect(argv.shell).toBeUndefined();
    const shell = definitionOf(toDefinition({ ...EMPTY_FORM, name: "web", shell: true, command: " sleep 1 && echo hi " }));
    expect(shell).toMatchObject({ command: "sleep 1 && echo hi", shell: true });
  });

  it("reads env lines, keeping = in values, and refuses a line without a key", () => {
    const ok = definitionOf(toDefinition({ ...EMPTY_FORM, name: "a", command: "x", env: "A=1\nB=x=y\n" }));
    expect(ok.env).toEqual({ A: "1", B: "x=y" });
    expect(toDefinition({ ...EMPTY_FORM, name: "a", command: "x", env: "JUSTTEXT" })).toEqual({
      errors: { env: '"JUSTTEXT" is not KEY=value' },
    });
  });

  it("sends a port that is not a number as it is, for the API to name", () => {
    expect(definitionOf(toDefinition({ ...EMPTY_FORM, name: "a", command: "x", port: "8080" })).port).toBe(8080);
    expect(definitionOf(toDefinition({ ...EMPTY_FORM, name: "a", command: "x", port: "80a" })).port).toBe("80a");
  });

  it("keeps what it does not show: a probe's retries, a policy's delays, other fields", () => {
    const form = toForm({
      name: "a",
      command: ["x"],
      health: { tcp: 9000, retries: 5, timeout: "2s" },
      restart: { policy: "always", limit: 3 },
      stopSignal: "INT",
    });
    const back = definitionOf(toDefinition({ ...form, healthKind: "http", healthTarget: "http://127.0.0.1:9000/", restart: "no" }));
    expect(back.health).toEqual({ http: "http://127.0.0.1:9000/", retries: 5, timeout: "2s" });
    expect(back.restart).toEqual({ policy: "no", limit: 3 });
    expect(back.stopSignal).toBe("INT");
  });

  it("reads dependencies with their condition", () => {
    const back = definitionOf(toDefinition({ ...EMPTY_FORM, name: "a", command: "x", dependsOn: "db: healthy\ncache\n" }));
    expect(back.dependsOn).toEqual({ db: "healthy", cache: "started" });
    expect("errors" in toDefinition({ ...EMPTY_FORM, name: "a", command: "x", dependsOn: "db: ready" })).toBe(true);
  });

  it("sends back a service's definition, not its state", () => {
    const answer = {
      name: "a",
      command: ["x"],
      stopSignal: "INT",
      state: "running",
      pid: 42,
      restarts: 1,
      source: "api",
      since: "2026-01-01T00:00:00Z",
    } as Parameters<typeof toForm>[0];
    expect(definitionOf(toDefinition(toForm(answer)))).toEqual({ name: "a", command: ["x"], stopSignal: "INT", restart: "on-failure" });
  });

  it("shows a masked env value as empty, so that it is written anew", () => {
    const form = toForm({ name: "a", command: ["x"], env: { KEY: { masked: true } as unknown as string } });
    expect(form.env).toBe("KEY=");
  });
});

describe("the API's fields at the form's inputs", () => {
  it("finds the input of a nested field", () => {
    expect(inputOf("health.tcp")).toBe("health");
    expect(inputOf("command[0]")).toBe("command");
    expect(inputOf("env.API_KEY")).toBe("env");
    expect(inputOf("restart")).toBe("restart");
    expect(inputOf("body")).toBeNull();
  });

  it("renames the problem's fields, keeping the path in the reason", () => {
    const problem = forForm({
      status: 400,
      "invalid-params": [
        { name: "health.tcp", reason: "must be at least 1" },
        { name: "name", reason: "taken" },
      ],
    });
    expect(problem["invalid-params"]).toEqual([
      { name: "health", reason: "tcp: must be at least 1" },
      { name: "name", reason: "taken" },
    ]);
  });
});
