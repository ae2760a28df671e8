/**
 * The one connection to the hub (socket.io-client's Manager: every namespace over one transport),
 * its state for the connection status monitor, and the namespaces the pages use.
 */
import { Manager, type Socket } from "socket.io-client";
import { hubAuth, signOut } from "./auth";
import { initialConnection, nextConnection, type ConnectionEvent, type ConnectionState } from "./connection";

export type NamespaceName = "/services" | "/deployments" | "/system" | "/files";

/** Where the hub is: the port the gateway wrote into the page, on the host the page came from. */
export function hubUrl(doc: Document = document): string {
  const port = doc.querySelector<HTMLMetaElement>('meta[name="switchboard-hub-port"]')?.content ?? "";
  const location = doc.location;
  return /^\d+$/.test(port) ? `${location.protocol}//${location.hostname}:${port}` : location.origin;
}

type StateListener = (state: ConnectionState) => void;

export class Hub {
  private readonly manager: Manager;
  private readonly sockets = new Map<NamespaceName, Socket>();
  private readonly listeners = new Set<StateListener>();
  private current = initialConnection(Date.now());

  constructor(url: string) {
    this.manager = new Manager(url, { reconnectionDelay: 1000, reconnectionDelayMax: 10_000 });
    this.manager.on("close", (reason) => this.feed({ type: "drop", reason: String(reason) }));
    this.manager.on("reconnect_attempt", (attempt) => this.feed({ type: "attempt", attempt }));
    this.manager.on("reconnect_failed", () => this.feed({ type: "closed" }));
    // the status follows /services, the namespace every page's monitor relies on
    this.namespace("/services");
  }

  state(): ConnectionState {
    return this.current;
  }

  /** Calls the listener now and at every change of the connection's state; returns what stops it. */
  onState(listener: StateListener): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  /** The namespace's socket, joined with the session's token on first use. */
  namespace(name: NamespaceName): Socket {
    let socket = this.sockets.get(name);
    if (!socket) {
      socket = this.manager.socket(name, { auth: hubAuth });
      if (name === "/services") {
        socket.on("connect", () => this.feed({ type: "open", recovered: socket!.recovered }));
      }
      socket.on("connect_error", (error: Error & { data?: { code?: string } }) => {
        const fatal = error.data?.code === "unauthorized" || error.data?.code === "forbidden";
        this.feed({ type: "refused", message: error.message, fatal });
        if (error.data?.code === "unauthorized") {
          signOut();
        }
      });
      // the manager connects a new socket by itself (autoConnect); a second connect() would send a
      // second CONNECT
      if (!socket.active) socket.connect();
      this.sockets.set(name, socket);
    }
    return socket;
  }

  /**
   * Runs `subscribe` now when connected and after every connection that did not recover its
   * rooms (a recovered one keeps them), so that a stream followed before a drop goes on after it.
   */
  whenConnected(name: NamespaceName, subscribe: (socket: Socket) => void): () => void {
    const socket = this.namespace(name);
    const handler = () => {
      if (!socket.recovered) {
        subscribe(socket);
      }
    };
    if (socket.connected) {
      subscribe(socket);
    }
    socket.on("connect", handler);
    return () => socket.off("connect", handler);
  }

  close(): void {
    this.sockets.forEach((socket) => socket.disconnect());
    this.sockets.clear();
    this.manager.engine?.close();
    this.listeners.clear();
  }

  private feed(event: ConnectionEvent): void {
    this.current = nextConnection(this.current, event, Date.now());
    this.listeners.forEach((listener) => listener(this.current));
  }
}

/** An acknowledged command: resolves with the ack, rejects with its `{code, message}`. */
export async function command<T = Record<string, unknown>>(socket: Socket, event: string, payload?: unknown): Promise<T> {
  const ack = (await socket.timeout(10_000).emitWithAck(event, ...(payload === undefined ? [] : [payload]))) as
    | ({ ok: true } & T)
    | { ok: false; error: { code: string; message: string } };
  if (!ack.ok) {
    throw new Error(`${ack.error.message} (${ack.error.code})`);
  }
  return ack;
}
