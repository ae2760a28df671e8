/**
 * The Files page's folder watch, free of the DOM: what a `watch` request of /files carries, its
 * ack read into the watch or the error to show at the field, and the list of `change` events kept
 * newest first and bounded.
 */

export type ChangeType = "created" | "changed" | "deleted";

/** A `change` of /files: `path` relative to the watched directory; `deleted` has no size, mtime nor directory. */
export interface WatchChange {
  watchId: string;
  path: string;
  changeType: ChangeType;
  size?: number;
  mtime?: string;
  directory?: boolean;
}

/** A change as the list shows it: when it arrived (ms since the epoch) and a key for the list. */
export interface ChangeRow extends WatchChange {
  key: number;
  receivedAt: number;
}

/** The rows the panel keeps at most. */
export const CHANGE_LIMIT = 200;

/** The request of `watch`, or the error to show at the path field. */
export function watchRequest(path: string, recursive: boolean): { path: string; recursive: boolean } | { error: string } {
  const trimmed = path.trim();
  if (trimmed === "") {
    return { error: "Enter the folder to watch: a path under the watch roots, or relative to the first of them." };
  }
  return { path: trimmed, recursive };
}

export interface AckError {
  code: string;
  message: string;
}

/**
 * A `watch` ack read: `{ok: true, watchId, path}` gives the watch, `{ok: false, error: {code,
 * message}}` the error; anything else (an old or broken hub) is an error too, never a watch.
 */
export function readWatchAck(ack: unknown): { watchId: string; path: string } | { error: AckError } {
  const answer = (ack ?? {}) as { ok?: unknown; watchId?: unknown; path?: unknown; error?: { code?: unknown; message?: unknown } };
  if (answer.ok === true && typeof answer.watchId === "string") {
    return { watchId: answer.watchId, path: typeof answer.path === "string" ? answer.path : "" };
  }
  if (answer.ok === false && answer.error) {
    return {
      error: {
        code: typeof answer.error.code === "string" ? answer.error.code : "error",
        message: typeof answer.error.message === "string" ? answer.error.message : "the hub refused the watch",
      },
    };
  }
  return { error: { code: "bad_answer", message: "the hub's answer to watch was not understood" } };
}

/** What the panel says for an ack error: its message and code, and what to do where that helps. */
export function describeAckError(error: AckError): string {
  const hint: Record<string, string> = {
    forbidden: " Your role may not watch folders.",
    timeout: " The hub did not answer; try again.",
  };
  return `${error.message} (${error.code}).${hint[error.code] ?? ""}`;
}

/**
 * The rows with the changes of `watchId` put first (newest first: the last of `changes` on top), at
 * most `limit` kept; changes of another watch (one just ended) are left out.
 */
export function addChanges(
  rows: readonly ChangeRow[],
  changes: readonly WatchChange[],
  watchId: string | null,
  receivedAt: number,
  limit = CHANGE_LIMIT,
): ChangeRow[] {
  const mine = changes.filter((change) => watchId !== null && change.watchId === watchId);
  if (mine.length === 0) {
    return rows as ChangeRow[];
  }
  let key = rows.length > 0 ? rows[0].key : 0;
  const added = mine.map((change) => ({ ...change, key: ++key, receivedAt })).reverse();
  return [...added, ...rows].slice(0, limit);
}
