/**
 * The hub connection's state, as the connection status monitor shows it: a pure state machine fed
 * the transport's events, so that a drop and the return are shown, and data received before a drop
 * is marked stale until the connection is back.
 */
export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "disconnected";

export interface ConnectionState {
  status: ConnectionStatus;
  /** When the status last changed (ms since the epoch). */
  since: number;
  /** Reconnection attempts since the connection dropped. */
  attempts: number;
  /** When the connection last dropped, null while it never did. */
  droppedAt: number | null;
  /** Whether the last return recovered the session (missed events replayed) or started anew. */
  recovered: boolean | null;
  /** Why it is not connected: the transport's reason or the handshake's refusal. */
  error: string | null;
}

export type ConnectionEvent =
  | { type: "open"; recovered: boolean }
  | { type: "drop"; reason: string }
  | { type: "attempt"; attempt: number }
  | { type: "refused"; message: string; fatal: boolean }
  | { type: "closed" };

export function initialConnection(now: number): ConnectionState {
  return { status: "connecting", since: now, attempts: 0, droppedAt: null, recovered: null, error: null };
}

export function nextConnection(state: ConnectionState, event: ConnectionEvent, now: number): ConnectionState {
  switch (event.type) {
    case "open":
      return { ...state, status: "connected", since: now, attempts: 0, recovered: event.recovered, error: null };
    case "drop":
      return state.status === "connected"
        ? { ...state, status: "reconnecting", since: now, droppedAt: now, error: event.reason }
        : { ...state, error: event.reason };
    case "attempt":
      return {
        ...state,
        status: state.status === "connecting" ? "connecting" : "reconnecting",
        since: state.status === "disconnected" ? now : state.since,
        attempts: event.attempt,
      };
    case "refused":
      // an unknown token is not worth retrying; anything else the client retries by itself
      return event.fatal
        ? { ...state, status: "disconnected", since: now, error: event.message }
        : { ...state, error: event.message };
    case "closed":
      return { ...state, status: "disconnected", since: now, droppedAt: state.droppedAt ?? now };
  }
}

/** Whether what was received over the hub may be shown as current. */
export function isLive(state: ConnectionState): boolean {
  return state.status === "connected";
}

/** The status in words, for the monitor and screen readers. */
export function describeConnection(state: ConnectionState, now: number): string {
  const ago = formatAgo(now - state.since);
  switch (state.status) {
    case "connected":
      return state.droppedAt === null
        ? "Connected"
        : `Connected again${state.recovered ? " (missed events replayed)" : ""}, ${ago}`;
    case "connecting":
      return state.error ? `Connecting… (${state.error})` : "Connecting…";
    case "reconnecting":
      return `Connection lost ${ago}; reconnecting${state.attempts > 0 ? ` (attempt ${state.attempts})` : ""}…`;
    case "disconnected":
      return `Disconnected${state.error ? `: ${state.error}` : ""}`;
  }
}

export function formatAgo(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}
