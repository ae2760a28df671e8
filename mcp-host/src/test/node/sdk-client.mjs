// The official TypeScript SDK (@modelcontextprotocol/sdk) as a Streamable HTTP client of the host,
// driven by SdkClientTest: node sdk-client.mjs <endpoint url> <bearer token>. Prints one JSON line
// with what it got; the test checks it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: "switchboard-sdk-client-test", version: "1.0.0" });
const text = (result) => result.content?.[0]?.text;
const got = {};

await client.connect(transport);
got.server = client.getServerVersion()?.name;
got.tools = (await client.listTools()).tools.map((t) => t.name).sort();
got.echo = text(await client.callTool({ name: "echo", arguments: { message: "hi from ts" } }));
got.add = text(await client.callTool({ name: "add", arguments: { a: 2, b: 3 } }));

got.progress = [];
const long = await client.callTool(
  { name: "longRunningOperation", arguments: { duration: 1, steps: 4 } },
  undefined,
  { onprogress: (p) => got.progress.push(p.progress) },
);
got.long = text(long);

got.resources = (await client.listResources()).resources.length;
const first = (await client.listResources()).resources[0].uri;
got.resource = (await client.readResource({ uri: first })).contents[0].uri;
got.prompts = (await client.listPrompts()).prompts.map((p) => p.name).sort();
got.prompt = (await client.getPrompt({ name: "simple_prompt" })).messages.length;

// cancellation: the SDK sends notifications/cancelled and rejects the call
const abort = new AbortController();
const cancelled = client
  .callTool({ name: "longRunningOperation", arguments: { duration: 30, steps: 30 } }, undefined, {
    signal: abort.signal,
    onprogress: () => abort.abort("enough"),
  })
  .then(
    () => "answered",
    (err) => "rejected: " + (err?.message ?? err),
  );
const started = Date.now();
got.cancelled = await cancelled;
got.cancelMs = Date.now() - started;
// and the session goes on
got.after = text(await client.callTool({ name: "echo", arguments: { message: "after" } }));

await transport.terminateSession();
await client.close();
got.totalMs = Math.round(performance.now());
console.log(JSON.stringify(got));
