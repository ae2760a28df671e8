/**
 * Settings: the theme and "about" for everyone; API tokens (create, copy once, revoke) and the audit
 * log for an admin only (an operator or a viewer sees neither).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { APP_VERSION, formatUptime } from "../about";
import { api } from "../api";
import { useNow } from "../app";
import {
  AUDIT_OUTCOMES,
  describeAuditFailure,
  failAudit,
  filterAudit,
  initialAudit,
  loadingOlder,
  olderBefore,
  receiveAudit,
  type AuditFilter,
  type AuditOutcome,
  type AuditView,
} from "../audit";
import { canAdminister } from "../auth";
import { ApiError, describe, toFormMessages, type FormMessages } from "../problem";
import { pageTheme, THEME_CHOICES, type Theme, type ThemeChoice } from "../theme";
import {
  EMPTY_DRAFT,
  EXPIRIES,
  TOKEN_FIELDS,
  TOKEN_ROLES,
  formatWhen,
  isExpired,
  toTokenRequest,
  withToken,
  withoutToken,
  type Expiry,
  type NewToken,
  type Token,
  type TokenDraft,
  type TokenRole,
} from "../tokens";
import type { SystemInfo } from "../types";

export function Settings() {
  const admin = canAdminister();
  return (
    <>
      <h1>Settings</h1>
      <nav aria-label="Settings sections" class="section-links">
        <a href="#theme-heading">Theme</a>
        {admin && <a href="#tokens-heading">API tokens</a>}
        {admin && <a href="#audit-heading">Audit log</a>}
        <a href="#about-heading">About</a>
      </nav>
      <ThemeSettings />
      {admin && <Tokens />}
      {admin && <AuditLog />}
      <About />
    </>
  );
}

const THEME_LABELS: Record<ThemeChoice, string> = { light: "Light", dark: "Dark", system: "System" };

function ThemeSettings() {
  const theme = pageTheme();
  const [state, setState] = useState<{ choice: ThemeChoice; shown: Theme }>({ choice: theme.choice(), shown: theme.theme() });
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => theme.onChange((choice, shown) => setState({ choice, shown })), [theme]);
  return (
    <section aria-labelledby="theme-heading" class="panel">
      <h2 id="theme-heading">Theme</h2>
      <fieldset class="choices">
        <legend>Colours of this app in this browser</legend>
        {THEME_CHOICES.map((choice) => (
          <label key={choice}>
            <input
              type="radio"
              name="theme"
              value={choice}
              checked={state.choice === choice}
              onChange={() => setNotice(theme.choose(choice) ? null : "This browser does not keep it: the theme applies until the page closes.")}
            />{" "}
            {THEME_LABELS[choice]}
          </label>
        ))}
      </fieldset>
      <p class="detail" aria-live="polite">
        Showing the {state.shown} theme{state.choice === "system" ? ", as the system prefers (it follows when the system changes)" : ""}.
      </p>
      {notice && <p class="error">{notice}</p>}
    </section>
  );
}

function Tokens() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<NewToken | null>(null);
  const now = useNow(60_000);

  useEffect(() => {
    let current = true;
    api
      .tokens()
      .then((answer) => current && setTokens(answer.tokens))
      .catch((failure) => current && setError(describe(failure)));
    return () => {
      current = false;
    };
  }, []);

  return (
    <section aria-labelledby="tokens-heading" class="panel">
      <h2 id="tokens-heading">API tokens</h2>
      <p class="detail">
        Named tokens for scripts and people: send one as <code>Authorization: Bearer</code>, or paste it to sign in. Only its hash is
        kept, so it is shown once, when it is created.
      </p>
      {created ? (
        <CreatedToken token={created} onDone={() => setCreated(null)} />
      ) : (
        <NewTokenForm
          onCreated={(token) => {
            setCreated(token);
            setTokens((held) => withToken(held ?? [], token));
          }}
        />
      )}
      {error && <p class="error">{error}</p>}
      {tokens && tokens.length === 0 && <p>No named tokens yet.</p>}
      {tokens && tokens.length > 0 && (
        <div class="table-wrap">
          <table class="tokens">
            <caption class="visually-hidden">API tokens, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <TokenRow
                  key={token.id}
                  token={token}
                  expired={isExpired(token, new Date(now))}
                  onRevoked={() => setTokens((held) => withoutToken(held ?? [], token.id))}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function TokenRow({ token, expired, onRevoked }: { token: Token; expired: boolean; onRevoked: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keep = useRef<HTMLButtonElement>(null);
  const revokeButton = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (confirming) keep.current?.focus();
    else if (wasConfirming.current) revokeButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const revoke = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.revokeToken(token.id);
      onRevoked();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 404) {
        onRevoked();
        return;
      }
      setError(describe(failure));
      setBusy(false);
    }
  };

  return (
    <tr>
      <th scope="row">{token.name}</th>
      <td>{token.role}</td>
      <td>{formatWhen(token.createdAt, "")}</td>
      <td>
        {formatWhen(token.expiresAt, "never")}
        {expired && <span class="badge bad"> expired</span>}
      </td>
      <td>{formatWhen(token.lastUsedAt, "not yet")}</td>
      <td class="actions">
        {confirming ? (
          <div role="group" aria-label={`Revoke ${token.name}?`} class="confirm">
            <span>Revoke “{token.name}”? What uses it is refused at once.</span>
            <button type="button" class="danger" onClick={revoke} disabled={busy}>
              {busy ? "Revoking…" : "Revoke"}
            </button>
            <button type="button" ref={keep} onClick={() => setConfirming(false)} disabled={busy}>
              Keep
            </button>
          </div>
        ) : (
          <button type="button" ref={revokeButton} onClick={() => setConfirming(true)} aria-label={`Revoke ${token.name}`}>
            Revoke
          </button>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}

function NewTokenForm({ onCreated }: { onCreated: (token: NewToken) => void }) {
  const [draft, setDraft] = useState<TokenDraft>(EMPTY_DRAFT);
  const [messages, setMessages] = useState<FormMessages>({ form: null, fields: {} });
  const [busy, setBusy] = useState(false);
  const change = (patch: Partial<TokenDraft>) => setDraft((held) => ({ ...held, ...patch }));

  const submit = async (event: Event) => {
    event.preventDefault();
    const checked = toTokenRequest(draft, new Date());
    setMessages(checked.messages);
    if (!checked.request) {
      focusFirstError(event.currentTarget as HTMLFormElement, checked.messages);
      return;
    }
    setBusy(true);
    try {
      onCreated(await api.createToken(checked.request));
      setDraft(EMPTY_DRAFT);
    } catch (failure) {
      const next = failure instanceof ApiError ? toFormMessages(failure.problem, TOKEN_FIELDS) : { form: describe(failure), fields: {} };
      setMessages(next);
    } finally {
      setBusy(false);
    }
  };

  const invalid = (name: string) => (messages.fields[name] ? true : undefined);
  const describedBy = (name: string) => (messages.fields[name] ? `token-${name}-error` : undefined);
  const fieldError = (name: string) =>
    messages.fields[name] && (
      <p class="field-error" id={`token-${name}-error`}>
        {messages.fields[name]}
      </p>
    );

  return (
    <form class="token-form" onSubmit={submit} noValidate aria-labelledby="token-form-heading">
      <h3 id="token-form-heading">Create a token</h3>
      {messages.form && (
        <p class="error" role="alert">
          {messages.form}
        </p>
      )}
      <div class="field">
        <label for="token-name">Name</label>
        <input
          id="token-name"
          name="name"
          type="text"
          maxLength={100}
          autoComplete="off"
          value={draft.name}
          placeholder="deploy script"
          onInput={(e) => change({ name: (e.target as HTMLInputElement).value })}
          aria-invalid={invalid("name")}
          aria-describedby={describedBy("name")}
        />
        {fieldError("name")}
      </div>
      <div class="field">
        <label for="token-role">Role</label>
        <select
          id="token-role"
          name="role"
          value={draft.role}
          onChange={(e) => change({ role: (e.target as HTMLSelectElement).value as TokenRole })}
          aria-invalid={invalid("role")}
          aria-describedby={describedBy("role")}
        >
          {TOKEN_ROLES.map((role) => (
            <option key={role.value} value={role.value}>
              {role.label}
            </option>
          ))}
        </select>
        {fieldError("role")}
      </div>
      <div class="field">
        <label for="token-expiry">Expires</label>
        <select
          id="token-expiry"
          value={draft.expiry}
          onChange={(e) => change({ expiry: (e.target as HTMLSelectElement).value as Expiry })}
          aria-invalid={draft.expiry !== "date" ? invalid("expiresAt") : undefined}
          aria-describedby={draft.expiry !== "date" ? describedBy("expiresAt") : undefined}
        >
          {EXPIRIES.map((expiry) => (
            <option key={expiry.value} value={expiry.value}>
              {expiry.label}
            </option>
          ))}
        </select>
        {draft.expiry === "date" && (
          <>
            <label for="token-expires-at">Expires at (your local time)</label>
            <input
              id="token-expires-at"
              name="expiresAt"
              type="datetime-local"
              value={draft.expiresOn}
              onInput={(e) => change({ expiresOn: (e.target as HTMLInputElement).value })}
              aria-invalid={invalid("expiresAt")}
              aria-describedby={describedBy("expiresAt")}
            />
          </>
        )}
        {fieldError("expiresAt")}
      </div>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Creating…" : "Create token"}
      </button>
    </form>
  );
}

function focusFirstError(form: HTMLFormElement, messages: FormMessages): void {
  const first = TOKEN_FIELDS.find((name) => messages.fields[name]);
  if (!first) return;
  const input = form.querySelector<HTMLElement>(first === "expiresAt" ? "#token-expires-at, #token-expiry" : `[name="${first}"]`);
  input?.focus();
}

function CreatedToken({ token, onDone }: { token: NewToken; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied("Copied to the clipboard.");
    } catch {
      // no clipboard API (a page not served over https or localhost): select it for Ctrl+C
      field.current?.select();
      setCopied(document.execCommand?.("copy") ? "Copied to the clipboard." : "Selected: press Ctrl+C (⌘C) to copy it.");
    }
  };

  return (
    <div class="created-token" role="region" aria-labelledby="created-token-heading">
      <h3 id="created-token-heading">Token “{token.name}” created ({token.role})</h3>
      <p class="warning">
        <strong>Copy it now: you will not see it again.</strong> Switchboard keeps only its hash; if it is lost, revoke it and create
        another.
      </p>
      <div class="copy-row">
        <label for="created-token-value" class="visually-hidden">
          The new token
        </label>
        <input id="created-token-value" ref={field} type="text" readOnly value={token.token} spellcheck={false} autoComplete="off" />
        <button type="button" class="primary" onClick={copy}>
          Copy
        </button>
      </div>
      <p class="detail" role="status">
        {copied ?? ""}
      </p>
      <button type="button" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}

const OUTCOME_TONE: Record<AuditOutcome, string> = { ok: "ok", refused: "warn", failed: "bad" };

function AuditLog() {
  const [view, setView] = useState<AuditView>(initialAudit);
  const [draft, setDraft] = useState<AuditFilter>(view.filter);

  const load = (filter: AuditFilter, before: number | null, asked: number) => {
    api
      .audit(filter, before)
      .then((page) => setView((held) => receiveAudit(held, asked, page, before !== null)))
      .catch((failure) =>
        setView((held) =>
          failAudit(held, asked, describeAuditFailure(failure)),
        ),
      );
  };

  useEffect(() => load(view.filter, null, 0), []);

  const apply = (filter: AuditFilter) => {
    const next = filterAudit(view, filter);
    setDraft(filter);
    setView(next);
    load(filter, null, next.generation);
  };

  const older = () => {
    const before = olderBefore(view);
    if (before === null) return;
    setView(loadingOlder(view));
    load(view.filter, before, view.generation);
  };

  return (
    <section aria-labelledby="audit-heading" class="panel" id="audit">
      <h2 id="audit-heading">Audit log</h2>
      <form
        class="audit-filter"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          apply(draft);
        }}
      >
        <label>
          Actor <input type="text" name="actor" value={draft.actor} onInput={(e) => setDraft({ ...draft, actor: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Action{" "}
          <input
            type="text"
            name="action"
            value={draft.action}
            placeholder="service.stop"
            onInput={(e) => setDraft({ ...draft, action: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          Outcome{" "}
          <select
            name="outcome"
            value={draft.outcome}
            onChange={(e) => apply({ ...draft, outcome: (e.target as HTMLSelectElement).value as AuditFilter["outcome"] })}
          >
            <option value="">any</option>
            {AUDIT_OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {outcome}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        <button type="button" class="quiet" onClick={() => apply({ actor: "", action: "", outcome: "" })}>
          Clear
        </button>
      </form>
      <div class="table-wrap">
        <table class="audit">
          <caption class="visually-hidden">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">From</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {view.entries.map((entry) => (
              <tr key={entry.id}>
                <td>
                  <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time>
                </td>
                <td>
                  {entry.actor}
                  {entry.role && <span class="detail"> ({entry.role})</span>}
                </td>
                <td>
                  <code>{entry.action}</code>
                </td>
                <td>{entry.target ?? ""}</td>
                <td>
                  <span class={`badge ${OUTCOME_TONE[entry.outcome] ?? "idle"}`}>
                    {entry.outcome}
                    {entry.status !== null ? ` ${entry.status}` : ""}
                  </span>
                </td>
                <td>
                  {entry.address ?? ""} <span class="detail">{entry.via}</span>
                </td>
                <td>{entry.detail ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p role="status" class="detail">
        {view.loading
          ? "Loading…"
          : view.entries.length === 0 && !view.error
            ? "No entries match."
            : `${view.entries.length} ${view.entries.length === 1 ? "entry" : "entries"} shown${view.next === null ? ", the oldest kept included" : ""}.`}
      </p>
      {view.error && <p class="error">{view.error}</p>}
      {view.next !== null && (
        <button type="button" onClick={older} disabled={view.loading}>
          Older entries
        </button>
      )}
    </section>
  );
}

function About() {
  const [info, setInfo] = useState<{ answer: SystemInfo; at: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(1000);
  useEffect(() => {
    let current = true;
    api
      .info()
      .then((answer) => current && setInfo({ answer, at: Date.now() }))
      .catch((failure) => current && setError(describe(failure)));
    return () => {
      current = false;
    };
  }, []);
  const since = info ? (now - info.at) / 1000 : 0;
  const versions = info?.answer.versions;
  const uptime = info?.answer.uptime;
  return (
    <section aria-labelledby="about-heading" class="panel">
      <h2 id="about-heading">About</h2>
      <dl class="facts">
        <dt>This app</dt>
        <dd>{APP_VERSION}</dd>
        {versions && (
          <>
            <dt>Switchboard</dt>
            <dd>{versions.switchboard ?? "unknown"}</dd>
            <dt>Java</dt>
            <dd>{versions.java}</dd>
            <dt>Vert.x</dt>
            <dd>{versions.vertx ?? "unknown"}</dd>
            <dt>PostgreSQL</dt>
            <dd>{versions.postgresql ?? "not reachable"}</dd>
          </>
        )}
        {uptime && (
          <>
            <dt>Switchboard up</dt>
            <dd>
              {formatUptime(uptime.switchboardSeconds + since)}{" "}
              <span class="detail">(since {new Date(uptime.startedAt).toLocaleString()})</span>
            </dd>
            <dt>Host{info?.answer.hostname ? ` ${info.answer.hostname}` : ""} up</dt>
            <dd>{uptime.hostSeconds == null ? "unknown" : formatUptime(uptime.hostSeconds + since)}</dd>
          </>
        )}
      </dl>
      {error && <p class="error">The server's versions: {error}</p>}
    </section>
  );
}
