// A small stdio MCP server for the host's tests, showing what the host sends it:
// - tools/call "hold" is never answered until cancelled; on notifications/cancelled the server
//   logs (notifications/message) whether the cancelled id is one of the requests it holds;
// - tools/call "ask" sends the client a request (arguments.method: sampling/createMessage by default,
//   elicitation/create or roots/list) and answers with what came back (the client's result, or the
//   host's error when no client can take it);
// - tools/list lists hold, ask and echo (with the argument "paged": hold and ask, then echo on a second
//   page, after nextCursor); tools/call "echo" answers its arguments and this pid, after arguments.ms;
// - tools/call "flood" (not listed) sends arguments.count logging notifications of arguments.size
//   characters, 10 every 5 ms, then answers: a stream for every session to keep up with;
// - resources/read of "slow:N" answers after N ms, with this pid (a read in flight to kill);
// - with the argument "crash", it exits with code 1 200 ms after answering initialize.
import { createInterface } from "node:readline";

const held = new Map();
const asked = new Map();
let next = 1;
const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n");

createInterface({ input: process.stdin }).on("line", (line) => {
  const message = JSON.parse(line);
  if (message.method === "initialize") {
    send({
      id: message.id,
      result: {
        protocolVersion: message.params.protocolVersion,
        capabilities: { tools: {}, logging: {} },
        serverInfo: { name: "probe", version: "1.0.0" },
      },
    });
    if (process.argv[2] === "crash") {
      setTimeout(() => process.exit(1), 200);
    }
  } else if (message.method === "tools/list") {
    const tool = (name) => ({ name, inputSchema: { type: "object" } });
    const tools = [tool("hold"), tool("ask"), tool("echo")];
    if (!process.argv.includes("paged")) {
      send({ id: message.id, result: { tools } });
    } else if (message.params?.cursor === "page-2") {
      send({ id: message.id, result: { tools: tools.slice(2) } });
    } else {
      send({ id: message.id, result: { tools: tools.slice(0, 2), nextCursor: "page-2" } });
    }
  } else if (message.method === "tools/call" && message.params.name === "echo") {
    const text = JSON.stringify({ pid: process.pid, arguments: message.params.arguments });
    const answer = () => send({ id: message.id, result: { content: [{ type: "text", text }] } });
    setTimeout(answer, Number(message.params.arguments?.ms ?? 0));
  } else if (message.method === "tools/call" && message.params.name === "flood") {
    const { count, size } = message.params.arguments;
    const filler = "x".repeat(size);
    let sent = 0;
    const burst = () => {
      for (let i = 0; i < 10 && sent < count; i++, sent++) {
        send({ method: "notifications/message", params: { level: "info", data: { n: sent, filler } } });
      }
      if (sent < count) {
        setTimeout(burst, 5);
      } else {
        send({ id: message.id, result: { content: [{ type: "text", text: String(sent) }] } });
      }
    };
    burst();
  } else if (message.method === "resources/read" && message.params.uri.startsWith("slow:")) {
    setTimeout(() => {
      const text = JSON.stringify({ pid: process.pid });
      send({ id: message.id, result: { contents: [{ uri: message.params.uri, text }] } });
    }, Number(message.params.uri.slice(5)));
  } else if (message.method === "tools/call" && message.params.name === "hold") {
    held.set(message.id, true);
  } else if (message.method === "tools/call" && message.params.name === "ask") {
    const id = `ask-${next++}`;
    asked.set(id, message.id);
    const method = message.params.arguments?.method ?? "sampling/createMessage";
    const params = {
      "sampling/createMessage": { messages: [], maxTokens: 1 },
      "elicitation/create": {
        message: "Your name?",
        requestedSchema: { type: "object", properties: { name: { type: "string" } } },
      },
      "roots/list": {},
    }[method];
    send({ id, method, params });
  } else if (message.method === "notifications/cancelled") {
    const known = held.delete(message.params.requestId);
    send({ method: "notifications/message", params: { level: "info", data: { cancelled: message.params.requestId, known } } });
  } else if (message.id !== undefined && asked.has(message.id)) {
    const callId = asked.get(message.id);
    asked.delete(message.id);
    send({ id: callId, result: { content: [{ type: "text", text: JSON.stringify(message.error ?? message.result) }] } });
  } else if (message.id !== undefined && message.method) {
    send({ id: message.id, error: { code: -32601, message: "no such method" } });
  }
});
