// A remote-controlled npm socket.io-client for the ws-hub JUnit tests (NodeDriver.java).
//
// Environment: HUB_URL (http://127.0.0.1:PORT), ADMIN_TOKEN, VIEWER_TOKEN, EMIT_TOKEN, DRIVER_TIMEOUT_MS (hard
// limit of the whole process, default 30 s).
//
// stdin: one JSON command per line, {"seq": n, "op": "...", ...}.
// stdout: one JSON object per line, either the reply to a command,
//   {"type":"reply","seq":n,"ok":true,"result":{...}} or {"type":"reply","seq":n,"ok":false,"error":"..."},
// or something a client saw, in the order it saw it:
//   {"type":"event","client":"a","event":"stats","args":[...]}
// Events the driver itself reports start with '@': @connect, @connect_error, @disconnect, @upgrade.
//
// Values cross as JSON: binary (Buffer, ArrayBuffer, typed arrays) as {"$bin":"<base64>"} both
// ways; strings longer than 1024 characters are reported as {"$str":<length>} so large payloads
// do not flood stdout. The unmodified socket.io-client does all the protocol work.

import { io } from "socket.io-client";
import WebSocket from "ws";
import { createInterface } from "node:readline";

const HUB_URL = process.env.HUB_URL;
const TOKENS = { admin: process.env.ADMIN_TOKEN, viewer: process.env.VIEWER_TOKEN, emit: process.env.EMIT_TOKEN };
const HARD_TIMEOUT_MS = Number(process.env.DRIVER_TIMEOUT_MS ?? 30_000);

if (!HUB_URL) {
  process.stderr.write("driver: HUB_URL is not set\n");
  process.exit(2);
}

setTimeout(() => {
  process.stderr.write(`driver: hard timeout after ${HARD_TIMEOUT_MS} ms\n`);
  process.exit(3);
}, HARD_TIMEOUT_MS).unref();

const clients = new Map(); // name -> socket.io-client Socket
const raws = new Map(); // name -> raw websocket state

function out(object) {
  process.stdout.write(JSON.stringify(object) + "\n");
}

function record(client, event, args) {
  out({ type: "event", client, event, args: args.map(encode) });
}

// ---- values ----

function encode(value) {
  if (Buffer.isBuffer(value)) {
    return { $bin: value.toString("base64") };
  }
  if (value instanceof ArrayBuffer) {
    return { $bin: Buffer.from(value).toString("base64") };
  }
  if (ArrayBuffer.isView(value)) {
    return { $bin: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  }
  if (typeof value === "string" && value.length > 1024) {
    return { $str: value.length };
  }
  if (typeof value === "function") {
    return { $ack: true };
  }
  if (value instanceof Error) {
    return { message: value.message, data: value.data ?? null };
  }
  if (Array.isArray(value)) {
    return value.map(encode);
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  }
  return value === undefined ? null : value;
}

function decode(value) {
  if (Array.isArray(value)) {
    return value.map(decode);
  }
  if (value && typeof value === "object") {
    if (typeof value.$bin === "string" && Object.keys(value).length === 1) {
      return Buffer.from(value.$bin, "base64");
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  }
  return value;
}

function tokenAuth(token) {
  if (token === undefined || token === null) {
    return undefined;
  }
  return { token: TOKENS[token] ?? token };
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout: ${what} after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function client(name) {
  const socket = clients.get(name);
  if (!socket) {
    throw new Error(`no client '${name}'`);
  }
  return socket;
}

function describe(socket) {
  return {
    connected: socket.connected,
    id: socket.id ?? null,
    recovered: Boolean(socket.recovered),
    active: socket.active,
    transport: socket.io.engine?.transport?.name ?? null,
  };
}

// ---- commands ----

const ops = {
  // {client, nsp, token?: "admin"|"viewer"|"emit"|literal, opts?: socket.io-client options}
  // -> {connected:true, id, recovered, transport} or {connected:false, message, data}
  async connect({ client: name, nsp = "/", token, opts = {}, timeout = 5000 }) {
    if (clients.has(name)) {
      throw new Error(`client '${name}' exists`);
    }
    const socket = io(HUB_URL + nsp, { forceNew: true, auth: tokenAuth(token), ...opts });
    clients.set(name, socket);
    socket.on("connect", () => record(name, "@connect", [describe(socket)]));
    socket.on("connect_error", (err) => record(name, "@connect_error", [err]));
    socket.on("disconnect", (reason) => record(name, "@disconnect", [reason]));
    socket.onAny((event, ...args) => record(name, event, args));
    socket.io.on("open", () => {
      socket.io.engine.on("upgrade", (transport) => record(name, "@upgrade", [transport.name]));
    });
    const outcome = await withTimeout(
      new Promise((resolve) => {
        socket.once("connect", () => resolve({ connected: true, ...describe(socket) }));
        socket.once("connect_error", (err) => resolve({ connected: false, message: err.message, data: err.data ?? null }));
      }),
      timeout,
      `connect ${nsp}`,
    );
    if (!outcome.connected) {
      socket.disconnect();
    }
    return outcome;
  },

  // connects a disconnected client again (socket.connect()); same answer as connect
  async reconnect({ client: name, timeout = 5000 }) {
    const socket = client(name);
    const outcome = withTimeout(
      new Promise((resolve) => {
        socket.once("connect", () => resolve({ connected: true, ...describe(socket) }));
        socket.once("connect_error", (err) => resolve({ connected: false, message: err.message, data: err.data ?? null }));
      }),
      timeout,
      "reconnect",
    );
    socket.connect();
    return outcome;
  },

  async state({ client: name }) {
    return describe(client(name));
  },

  // resolves once the client runs on a websocket (at once when it already does)
  async awaitUpgrade({ client: name, timeout = 5000 }) {
    const socket = client(name);
    if (socket.io.engine.transport.name !== "websocket") {
      await withTimeout(new Promise((resolve) => socket.io.engine.once("upgrade", resolve)), timeout, "upgrade");
    }
    return describe(socket);
  },

  async emit({ client: name, event, args = [] }) {
    client(name).emit(event, ...decode(args));
    return {};
  },

  // the real emitWithAck; resolves with the server's first ack argument
  async emitWithAck({ client: name, event, args = [], timeout = 5000 }) {
    const ack = await client(name).timeout(timeout).emitWithAck(event, ...decode(args));
    return { ack: encode(ack) };
  },

  // an ack callback, for acks with several arguments -> {args: [...]}
  async emitWithCallback({ client: name, event, args = [], timeout = 5000 }) {
    const socket = client(name);
    const answer = await new Promise((resolve, reject) => {
      socket.timeout(timeout).emit(event, ...decode(args), (err, ...acked) => (err ? reject(err) : resolve(acked)));
    });
    return { args: encode(answer) };
  },

  // count emits without waiting between them; each outcome is {ack} or {error}
  async flood({ client: name, event, args = [], count, timeout = 2000 }) {
    const socket = client(name);
    const outcomes = await Promise.all(
      Array.from({ length: count }, () =>
        socket
          .timeout(timeout)
          .emitWithAck(event, ...decode(args))
          .then((ack) => ({ ack: encode(ack) }), (err) => ({ error: err.message })),
      ),
    );
    return { outcomes };
  },

  // answers the server's acks of `event` with [{answered: event}, ...the event's arguments]
  async answer({ client: name, event }) {
    client(name).on(event, (...args) => {
      const callback = typeof args[args.length - 1] === "function" ? args.pop() : null;
      if (callback) {
        callback({ answered: event }, ...args);
      }
    });
    return {};
  },

  async disconnect({ client: name }) {
    client(name).disconnect();
    return {};
  },

  // drops the Engine.IO connection under the socket, as a network failure would; the client
  // reconnects on its own (default options) and recovers its session when the server allows it
  async dropTransport({ client: name }) {
    const socket = client(name);
    const transport = socket.io.engine.transport.name;
    socket.io.engine.close();
    return { transport };
  },

  // blocks this whole process (every client) for `ms` after the reply, as a stalled machine or
  // network would: no pongs, no reads
  async freeze({ ms }) {
    setImmediate(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms));
    return {};
  },

  // ---- a raw websocket client speaking the frames by hand, for the slow-consumer test ----

  // {client, nsp, token, room} -> connects on a websocket, joins nsp with the token, joins room
  async rawConnect({ client: name, nsp, token, room, timeout = 5000 }) {
    const url = HUB_URL.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
    const ws = new WebSocket(url);
    const state = { ws, bytes: 0, messages: 0, closed: null };
    raws.set(name, state);
    const joined = new Promise((resolve, reject) => {
      ws.on("message", (data, isBinary) => {
        state.bytes += data.length;
        state.messages++;
        const text = isBinary ? null : data.toString();
        if (text === null) {
          return;
        }
        if (text.startsWith("0{")) {
          ws.send(`40${nsp},${JSON.stringify(tokenAuth(token))}`);
        } else if (text === "2") {
          ws.send("3");
        } else if (text.startsWith(`40${nsp},`)) {
          ws.send(`42${nsp},1${JSON.stringify(["join", { room }])}`);
        } else if (text.startsWith(`43${nsp},1`)) {
          resolve(JSON.parse(text.slice(`43${nsp},1`.length)));
        } else if (text.startsWith(`44${nsp},`)) {
          reject(new Error(`refused: ${text}`));
        }
      });
      ws.on("error", reject);
    });
    ws.on("close", (code) => {
      state.closed = { code };
    });
    const ack = await withTimeout(joined, timeout, "raw join");
    return { ack };
  },

  // stops reading: the socket's buffers fill up and TCP pushes back on the server
  async rawPause({ client: name }) {
    raws.get(name).ws._socket.pause();
    return {};
  },

  // what the raw client has read so far -> {bytes, messages, closed}
  async rawStats({ client: name }) {
    const state = raws.get(name);
    return { bytes: state.bytes, messages: state.messages, closed: state.closed, paused: state.ws._socket.isPaused() };
  },

  // reads again and waits until the server's close arrives -> {code, bytes, messages}
  async rawResumeUntilClosed({ client: name, timeout = 10000 }) {
    const state = raws.get(name);
    const closed = state.closed
      ? Promise.resolve()
      : new Promise((resolve) => state.ws.once("close", resolve));
    state.ws._socket.resume();
    await withTimeout(closed, timeout, "raw close");
    return { code: state.closed.code, bytes: state.bytes, messages: state.messages };
  },

  async exit() {
    shutdown(0);
    return {};
  },
};

function shutdown(code) {
  for (const socket of clients.values()) {
    socket.disconnect();
  }
  for (const state of raws.values()) {
    state.ws.terminate();
  }
  // let the replies and close frames go out
  setTimeout(() => process.exit(code), 20);
}

const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  if (!line.trim()) {
    return;
  }
  let command;
  try {
    command = JSON.parse(line);
  } catch (err) {
    process.stderr.write(`driver: not JSON: ${line}\n`);
    process.exit(2);
  }
  const op = ops[command.op];
  if (!op) {
    out({ type: "reply", seq: command.seq, ok: false, error: `unknown op '${command.op}'` });
    return;
  }
  try {
    out({ type: "reply", seq: command.seq, ok: true, result: await op(command) });
  } catch (err) {
    out({ type: "reply", seq: command.seq, ok: false, error: err.message });
  }
});
lines.on("close", () => shutdown(0));
