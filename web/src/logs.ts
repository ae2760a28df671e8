/** A service's log lines as the Services page shows them: bounded, in seq order, each once. */
import type { LogLine } from "./types";

export interface LogView {
  lines: LogLine[];
  /** Lines the hub skipped (a slow reader) or this view dropped past its bound. */
  skipped: number;
}

export const EMPTY_LOG: LogView = { lines: [], skipped: 0 };

/**
 * The view with a batch added: lines already held (a tail overlapping what was live, a recovered
 * connection's replay) are left out, and only the newest `limit` are kept.
 */
export function appendLines(view: LogView, batch: readonly LogLine[], limit: number, skipped = 0): LogView {
  const last = view.lines.length > 0 ? view.lines[view.lines.length - 1].seq : -Infinity;
  const fresh = batch.filter((line) => line.seq > last);
  const all = fresh.length === 0 ? view.lines : [...view.lines, ...fresh];
  const over = Math.max(0, all.length - limit);
  return { lines: over > 0 ? all.slice(over) : all, skipped: view.skipped + skipped + over };
}
