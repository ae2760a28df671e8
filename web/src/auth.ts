/**
 * Who is signed in, and how every request and hub connection proves it. This module is the only
 * place that knows how. A token (the admin token, the operator or viewer token, a named API token)
 * is exchanged once for a short-lived JWT (`POST /api/v1/auth/login`). The gateway sets the JWT as
 * an HttpOnly, SameSite=Strict cookie, which the API takes and scripts cannot read; the app keeps the
 * JWT it got in the body in memory only (never localStorage or sessionStorage) for the hub's
 * handshake. A minute before it expires, and after a reload (when memory is empty but the cookie is
 * not), `POST /api/v1/auth/refresh` buys a new one with the cookie. A first-start link's one-time
 * code (`#code=...`, taken out of the address bar by `link.ts`) is exchanged the same way
 * (`POST /api/v1/auth/code`) for an admin session.
 */
import { linkCode, onLinkCode } from "./link";
import { ApiError, toProblem } from "./problem";

export type Role = "admin" | "operator" | "viewer";

export interface Session {
  /** The JWT, held in memory only. */
  token: string;
  role: Role;
  /** Who: "admin token", or a named token's name. */
  name: string;
  expiresAt: string;
}

type Listener = (session: Session | null) => void;

/** How long before expiry the session is refreshed. */
const REFRESH_AHEAD_MS = 60_000;

let current: Session | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
const listeners = new Set<Listener>();

export function session(): Session | null {
  return current;
}

/**
 * Calls the listener with the session at once, then at every sign-in, refresh and sign-out; returns
 * what stops it. At once, because a component subscribes in an effect, after it rendered: a change in
 * between (a link's code exchanged while the first paint waited) would otherwise never reach it.
 */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  listener(current);
  return () => listeners.delete(listener);
}

function set(next: Session | null, fetcher: typeof fetch): void {
  current = next;
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  if (next) {
    const wait = Math.max(5_000, Date.parse(next.expiresAt) - Date.now() - REFRESH_AHEAD_MS);
    timer = setTimeout(() => void refresh(fetcher), wait);
  }
  listeners.forEach((listener) => listener(next));
}

function toSession(body: unknown): Session | null {
  const value = body as Partial<Session> | null;
  if (
    !value ||
    typeof value.token !== "string" ||
    typeof value.expiresAt !== "string" ||
    (value.role !== "admin" && value.role !== "operator" && value.role !== "viewer")
  ) {
    return null;
  }
  return { token: value.token, role: value.role, name: String(value.name ?? ""), expiresAt: value.expiresAt };
}

/** The headers that authenticate an API request (the cookie goes along by itself). */
export function authHeaders(): Record<string, string> {
  return current ? { Authorization: `Bearer ${current.token}` } : {};
}

/** The `auth` of a hub namespace's handshake (a function, so that a reconnect sends the current one). */
export function hubAuth(callback: (auth: { token?: string }) => void): void {
  callback(current ? { token: current.token } : {});
}

/**
 * Signs in with a token: 401 is a token Switchboard does not know, 403 the emit token (which may not
 * read); both are reported at the token field. The answer says the role.
 */
export async function signIn(token: string, fetcher: typeof fetch = fetch): Promise<Session> {
  const trimmed = token.trim();
  if (trimmed.length === 0) {
    throw new ApiError({ status: 400, detail: "Enter a token.", "invalid-params": [{ name: "token", reason: "is empty" }] });
  }
  const response = await fetcher("/api/v1/auth/login", {
    method: "POST",
    credentials: "same-origin",
    headers: { Authorization: `Bearer ${trimmed}` },
  });
  if (response.status === 401 || response.status === 403) {
    const reason = response.status === 401 ? "is not a token Switchboard knows" : "may not read the API (the emit token is for POST /emit only)";
    throw new ApiError({ status: response.status, detail: `This token ${reason}.`, "invalid-params": [{ name: "token", reason }] });
  }
  const body = await response.json().catch(() => null);
  const next = response.ok ? toSession(body) : null;
  if (!next) {
    throw new ApiError(toProblem(response.status, body));
  }
  set(next, fetcher);
  return next;
}

/** What became of the first-start link the page was opened with. */
export type LinkState = { state: "none" } | { state: "signing-in" } | { state: "failed"; message: string };

/** What the sign-in page says when a link's code is refused: it works once, for an hour. */
export const LINK_REFUSED =
  "This sign-in link does not work (any more): a link works once, within an hour of the start that printed it. " +
  "Restart Switchboard for a new link, or sign in with a token.";

let link: LinkState = { state: "none" };
const linkListeners = new Set<(state: LinkState) => void>();

export function linkState(): LinkState {
  return link;
}

/**
 * Calls the listener with the link's state at once, then whenever it changes; returns what stops it
 * (at once: see {@link onSessionChange}; a refused code's message would otherwise be lost when the
 * answer came before the sign-in page subscribed, which then said "Signing in with the link…" for
 * good).
 */
export function onLinkChange(listener: (state: LinkState) => void): () => void {
  linkListeners.add(listener);
  listener(link);
  return () => linkListeners.delete(listener);
}

function setLink(next: LinkState): void {
  link = next;
  linkListeners.forEach((listener) => listener(next));
}

/**
 * Signs in with a first-start link's one-time code: no token, the code in the body. A wrong, used or
 * expired code (401) is reported with {@link LINK_REFUSED}; too many failed sign-ins (429) with the
 * gateway's own words.
 */
export async function signInWithCode(code: string, fetcher: typeof fetch = fetch): Promise<Session> {
  if (code.length === 0) {
    throw new ApiError({ status: 401, detail: LINK_REFUSED });
  }
  const response = await fetcher("/api/v1/auth/code", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code }),
  });
  const body = await response.json().catch(() => null);
  if (response.status === 401 || response.status === 400) {
    throw new ApiError({ status: response.status, detail: LINK_REFUSED });
  }
  const next = response.ok ? toSession(body) : null;
  if (!next) {
    throw new ApiError(toProblem(response.status, body));
  }
  set(next, fetcher);
  return next;
}

/**
 * How the app picks up its session as it loads: with the code of the link it was opened with, if
 * any (a refused code leaves its message in {@link linkState}); otherwise, or when the code is
 * refused, from the cookie of an earlier sign-in.
 */
export async function resume(code: string | null, fetcher: typeof fetch = fetch): Promise<Session | null> {
  if (code !== null) {
    setLink({ state: "signing-in" });
    try {
      const next = await signInWithCode(code, fetcher);
      setLink({ state: "none" });
      return next;
    } catch (error) {
      setLink({
        state: "failed",
        message: error instanceof ApiError ? error.message : `Switchboard cannot be reached: ${(error as Error).message}`,
      });
    }
  }
  return refresh(fetcher);
}

/**
 * A new JWT for the one in the cookie: after a reload, and before expiry. No session when the cookie
 * is missing or expired.
 */
export async function refresh(fetcher: typeof fetch = fetch): Promise<Session | null> {
  try {
    const response = await fetcher("/api/v1/auth/refresh", { method: "POST", credentials: "same-origin", headers: authHeaders() });
    const next = response.ok ? toSession(await response.json().catch(() => null)) : null;
    set(next, fetcher);
    return next;
  } catch {
    // the gateway is away: keep what there is until it expires
    return current;
  }
}

/**
 * Forgets the session and asks the gateway to clear its cookie. Takes a fetch (tests) or anything
 * else (a click event, when used as a handler), which means the browser's.
 */
export function signOut(given?: unknown): void {
  const fetcher = typeof given === "function" ? (given as typeof fetch) : fetch;
  const had = current !== null;
  set(null, fetcher);
  if (had) {
    fetcher("/api/v1/auth/logout", { method: "POST", credentials: "same-origin" }).catch(() => undefined);
  }
}

/** Whether the signed-in role may start, stop, restart, deploy, upload, confirm and reject. */
export function canControl(): boolean {
  return current?.role === "admin" || current?.role === "operator";
}

/** Whether the signed-in role may manage definitions, tokens and the audit log. */
export function canAdminister(): boolean {
  return current?.role === "admin";
}

// a first-start link signs in; a reload keeps the cookie but not the memory: pick the session up again
if (typeof document !== "undefined") {
  void resume(linkCode());
  // a link opened in this tab later: only its fragment changes
  onLinkCode((code) => void resume(code));
}
