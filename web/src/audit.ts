/**
 * The audit log (`GET /api/v1/audit`, admin only), free of the DOM: its shapes, the query of a
 * filter and a page, and the Settings table's state as filters change and older pages arrive.
 *
 * The shapes are the contract's (`AuditEntry`, the answer of `listAudit`): GET
 * /api/v1/audit?limit=(1..500, default 50)&before=(id)&actor=&action=&outcome= answers {entries:
 * AuditEntry[] (newest first), next: the id to pass as `before` for older entries, or null}.
 */
import { ApiError, describe } from "./problem";
import type { AuditEntry, AuditPage } from "./types";

export type { AuditEntry, AuditPage };
export type AuditOutcome = AuditEntry["outcome"];

export interface AuditFilter {
  actor: string;
  action: string;
  outcome: AuditOutcome | "";
}

export const NO_AUDIT_FILTER: AuditFilter = { actor: "", action: "", outcome: "" };
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ["ok", "refused", "failed"];
export const AUDIT_PAGE = 50;

/** The query string of a filter and page: empty filters left out, `before` when older entries are asked for. */
export function auditQuery(filter: AuditFilter, before: number | null = null, limit = AUDIT_PAGE): string {
  const params = new URLSearchParams({ limit: String(Math.min(500, Math.max(1, Math.floor(limit)))) });
  if (before !== null) params.set("before", String(before));
  const actor = filter.actor.trim();
  const action = filter.action.trim();
  if (actor !== "") params.set("actor", actor);
  if (action !== "") params.set("action", action);
  if (filter.outcome !== "") params.set("outcome", filter.outcome);
  return `?${params}`;
}

/** The audit table: the entries of one filter, newest first, and whether older ones can be asked for. */
export interface AuditView {
  filter: AuditFilter;
  entries: AuditEntry[];
  /** The `before` of the next older page, null when there is none. */
  next: number | null;
  loading: boolean;
  error: string | null;
  /** Counts the filters asked for, so an answer to an earlier one is dropped. */
  generation: number;
}

export function initialAudit(filter: AuditFilter = NO_AUDIT_FILTER): AuditView {
  return { filter, entries: [], next: null, loading: true, error: null, generation: 0 };
}

/** A new filter: the table starts again from the newest entry; what is under way for the old one is ignored. */
export function filterAudit(view: AuditView, filter: AuditFilter): AuditView {
  return { filter, entries: [], next: null, loading: true, error: null, generation: view.generation + 1 };
}

/** The `before` to ask for when "older" is pressed, or null when there is nothing older or a page is on its way. */
export function olderBefore(view: AuditView): number | null {
  return view.loading ? null : view.next;
}

export function loadingOlder(view: AuditView): AuditView {
  return { ...view, loading: true, error: null };
}

/**
 * A page arrived for `generation`: the first page replaces the table, an older one is added below
 * (an entry already shown is not shown twice); newest first either way.
 */
export function receiveAudit(view: AuditView, generation: number, page: AuditPage, older: boolean): AuditView {
  if (generation !== view.generation) return view;
  const held = older ? view.entries : [];
  const seen = new Set(held.map((entry) => entry.id));
  const entries = [...held, ...page.entries.filter((entry) => !seen.has(entry.id))].sort((a, b) => b.id - a.id);
  return { ...view, entries, next: page.next, loading: false, error: null };
}

export function failAudit(view: AuditView, generation: number, error: string): AuditView {
  return generation !== view.generation ? view : { ...view, loading: false, error };
}

/** Why the audit log could not be read; a 404 is a server without the audit API. */
export function describeAuditFailure(failure: unknown): string {
  if (failure instanceof ApiError && failure.status === 404 && failure.problem["invalid-params"] === undefined) {
    return "This server keeps no audit log yet (it has no GET /api/v1/audit).";
  }
  return describe(failure);
}
