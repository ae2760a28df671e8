/**
 * Who is signed in, and how every request and hub connection proves it. This module is the only
 * place that knows how: today a bearer token (the admin or viewer token the API takes) kept in
 * sessionStorage (never localStorage, so that it ends with the tab) and in memory; the JWT sign-in
 * with an HttpOnly cookie will replace the inside of this module and nothing else.
 */
import { ApiError, toProblem } from "./problem";

export type Role = "admin" | "viewer";

export interface Session {
  token: string;
  role: Role;
}

const KEY = "switchboard.session";

/** Where the session is kept: sessionStorage in the browser, a map in tests. */
export interface SessionStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

type Listener = (session: Session | null) => void;

let store: SessionStore | null = typeof sessionStorage === "undefined" ? null : sessionStorage;
let current: Session | null = read();
const listeners = new Set<Listener>();

function read(): Session | null {
  const raw = store?.getItem(KEY);
  if (!raw) {
    return null;
  }
  try {
    const parsed = JSON.parse(raw) as Session;
    return typeof parsed.token === "string" && (parsed.role === "admin" || parsed.role === "viewer")
      ? parsed
      : null;
  } catch {
    return null;
  }
}

/** Uses another store (tests) and reads the session from it. */
export function useStore(replacement: SessionStore | null): void {
  store = replacement;
  current = read();
}

export function session(): Session | null {
  return current;
}

/** Calls the listener at every sign-in and sign-out; returns what stops it. */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function set(next: Session | null): void {
  current = next;
  if (next) {
    store?.setItem(KEY, JSON.stringify(next));
  } else {
    store?.removeItem(KEY);
  }
  listeners.forEach((listener) => listener(next));
}

/** The headers that authenticate an API request. */
export function authHeaders(): Record<string, string> {
  return current ? { Authorization: `Bearer ${current.token}` } : {};
}

/** The `auth` of a hub namespace's handshake (a function, so that a reconnect sends the current one). */
export function hubAuth(callback: (auth: { token?: string }) => void): void {
  callback(current ? { token: current.token } : {});
}

/**
 * Checks a token with a read the API answers to every role that may read (401: unknown token; 403:
 * the emitter token), then finds its role with a control request that changes nothing (asking
 * which of no hashes are assets): a viewer is refused it with 403.
 */
export async function signIn(token: string, fetcher: typeof fetch = fetch): Promise<Session> {
  const trimmed = token.trim();
  if (trimmed.length === 0) {
    throw new ApiError({ status: 400, detail: "Enter a token.", "invalid-params": [{ name: "token", reason: "is empty" }] });
  }
  const headers = { Authorization: `Bearer ${trimmed}` };
  const read = await fetcher("/api/v1/system/info", { headers });
  if (read.status === 401 || read.status === 403) {
    const reason = read.status === 401 ? "is not a token Switchboard knows" : "may not read the API (the emit token is for POST /emit only)";
    throw new ApiError({ status: read.status, detail: `This token ${reason}.`, "invalid-params": [{ name: "token", reason }] });
  }
  if (read.status >= 500 && read.status !== 503) {
    throw new ApiError(toProblem(read.status, await read.json().catch(() => null)));
  }
  const probe = await fetcher("/api/v1/assets/check", {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ hashes: [] }),
  });
  const next: Session = { token: trimmed, role: probe.status === 403 ? "viewer" : "admin" };
  set(next);
  return next;
}

export function signOut(): void {
  set(null);
}

/** Whether the signed-in role may start, stop, restart, confirm and reject. */
export function canControl(): boolean {
  return current?.role === "admin";
}
