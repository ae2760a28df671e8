/**
 * The Settings page's API tokens, free of the DOM: the create form's request and its checks (the
 * same the API makes, so most mistakes are shown before a round trip, at the same field names:
 * `name`, `role`, `expiresAt`), and how a token's dates read.
 */
import type { components, operations } from "./generated/api";
import type { FormMessages } from "./problem";

export type Token = components["schemas"]["Token"];
export type TokenRole = Token["role"];
export type CreateTokenRequest = operations["createToken"]["requestBody"]["content"]["application/json"];
/** The answer to a create: the token with its secret, shown once. */
export type NewToken = Token & { token: string };

export const TOKEN_ROLES: readonly { value: TokenRole; label: string }[] = [
  { value: "viewer", label: "viewer: reads everything, changes nothing" },
  { value: "operator", label: "operator: also starts, stops, deploys, confirms files" },
  { value: "admin", label: "admin: everything, tokens and definitions too" },
  { value: "emitter", label: "emitter: POST /emit only" },
];

export type Expiry = "never" | "7d" | "30d" | "90d" | "365d" | "date";

export const EXPIRIES: readonly { value: Expiry; label: string }[] = [
  { value: "never", label: "never" },
  { value: "7d", label: "in 7 days" },
  { value: "30d", label: "in 30 days" },
  { value: "90d", label: "in 90 days" },
  { value: "365d", label: "in a year" },
  { value: "date", label: "at a date and time…" },
];

/** What the form holds; `expiresOn` is a `datetime-local` value (local time), used when `expiry` is "date". */
export interface TokenDraft {
  name: string;
  role: TokenRole;
  expiry: Expiry;
  expiresOn: string;
}

export const EMPTY_DRAFT: TokenDraft = { name: "", role: "viewer", expiry: "never", expiresOn: "" };
export const TOKEN_FIELDS = ["name", "role", "expiresAt"] as const;
const MAX_NAME = 100;
const DAY_MS = 86_400_000;

export interface Checked {
  /** The request to send, or null when a field is at fault. */
  request: CreateTokenRequest | null;
  messages: FormMessages;
}

/** The request of a draft at `now`, or the reasons at the fields the API would name. */
export function toTokenRequest(draft: TokenDraft, now: Date): Checked {
  const fields: Record<string, string> = {};
  const name = draft.name.trim();
  if (name.length === 0) fields.name = "Give the token a name, such as the script or person that will use it.";
  else if (name.length > MAX_NAME) fields.name = `At most ${MAX_NAME} characters (this is ${name.length}).`;
  if (!TOKEN_ROLES.some((role) => role.value === draft.role)) fields.role = "Choose a role.";

  let expiresAt: string | undefined;
  if (draft.expiry === "date") {
    const at = draft.expiresOn.trim() === "" ? NaN : new Date(draft.expiresOn).getTime();
    if (Number.isNaN(at)) fields.expiresAt = "Enter a date and time.";
    else if (at <= now.getTime()) fields.expiresAt = "Choose a time in the future.";
    else expiresAt = new Date(at).toISOString();
  } else if (draft.expiry !== "never") {
    expiresAt = new Date(now.getTime() + Number.parseInt(draft.expiry, 10) * DAY_MS).toISOString();
  }

  if (Object.keys(fields).length > 0) {
    return { request: null, messages: { form: null, fields } };
  }
  const request: CreateTokenRequest = { name, role: draft.role };
  if (expiresAt !== undefined) request.expiresAt = expiresAt;
  return { request, messages: { form: null, fields: {} } };
}

/** Whether a token no longer signs in. */
export function isExpired(token: Pick<Token, "expiresAt">, now: Date): boolean {
  return token.expiresAt != null && Date.parse(token.expiresAt) <= now.getTime();
}

/** A date of a token's row: local date and time, or `none` when there is none. */
export function formatWhen(iso: string | null | undefined, none: string): string {
  if (iso == null) return none;
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleString();
}

/** The list after a revoke: without the token. */
export function withoutToken(tokens: readonly Token[], id: string): Token[] {
  return tokens.filter((token) => token.id !== id);
}

/** The list after a create: the new token first (newest first, as the API lists), without its secret. */
export function withToken(tokens: readonly Token[], created: NewToken): Token[] {
  const { token: _secret, ...row } = created;
  return [row, ...tokens.filter((token) => token.id !== created.id)];
}
