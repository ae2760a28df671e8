/**
 * The first-start link: every start of Switchboard's gateway prints `http://host:port/#code=<code>`,
 * a one-time code (not the admin token) that buys an admin session once, within an hour. The code is
 * in the fragment, which the browser never sends, so no server log or Referer ever holds it; and this
 * module, which imports nothing and is the first one `main.tsx` imports, takes it out of the address
 * bar (history.replaceState, so it is not in the history either) as the app loads, before anything
 * else runs. `auth.ts` then exchanges it (`POST /api/v1/auth/code`).
 */

/** What the code is read from and removed from: the window's location and history. */
export interface AddressBar {
  readonly location: { readonly hash: string; readonly pathname: string; readonly search: string };
  readonly history: { readonly state: unknown; replaceState(data: unknown, unused: string, url?: string | null): void };
}

/**
 * The code of a `#code=...` fragment, removed from the address bar at once (the path, the query and
 * any other fragment parameter stay); null when the address has none, and then nothing is touched.
 * An empty `#code=` gives "" (a link cut short), which the sign-in reports as not valid.
 */
export function takeLinkCode(bar: AddressBar): string | null {
  const hash = bar.location.hash;
  if (!hash.startsWith("#")) {
    return null;
  }
  const params = new URLSearchParams(hash.slice(1));
  if (!params.has("code")) {
    return null;
  }
  const code = (params.get("code") ?? "").trim();
  params.delete("code");
  const rest = params.toString();
  bar.history.replaceState(bar.history.state, "", bar.location.pathname + bar.location.search + (rest ? `#${rest}` : ""));
  return code;
}

// as this module is evaluated, the first of the app's
let pending: string | null = typeof window !== "undefined" ? takeLinkCode(window) : null;

/**
 * A link opened in a tab where the app already runs (pasted into its address bar) changes only the
 * fragment, which loads nothing: its code is taken out of the address bar as the fragment changes,
 * and handed to `listener`. Returns what stops listening.
 */
export function onLinkCode(
  listener: (code: string) => void,
  target: AddressBar & Pick<EventTarget, "addEventListener" | "removeEventListener"> = window,
): () => void {
  const taken = () => {
    const code = takeLinkCode(target);
    if (code !== null) {
      listener(code);
    }
  };
  target.addEventListener("hashchange", taken);
  return () => target.removeEventListener("hashchange", taken);
}

/** The code the page was opened with, once: the first call has it, every later one null. */
export function linkCode(): string | null {
  const code = pending;
  pending = null;
  return code;
}
