import { afterEach, describe, expect, it, vi } from "vitest";
import {
  LINK_REFUSED,
  linkState,
  onLinkChange,
  onSessionChange,
  resume,
  session,
  signInWithCode,
  signOut,
  type LinkState,
  type Session,
} from "./auth";
import { onLinkCode, takeLinkCode, type AddressBar } from "./link";
import { ApiError } from "./problem";

/** An address bar at `url`, recording what replaced its entry. */
function bar(url: string) {
  const parsed = new URL(url);
  const replaced: (string | null | undefined)[] = [];
  const address: AddressBar = {
    location: { hash: parsed.hash, pathname: parsed.pathname, search: parsed.search },
    history: { state: { kept: true }, replaceState: (_data, _unused, next) => void replaced.push(next) },
  };
  return { address, replaced };
}

const IN_15_MINUTES = () => new Date(Date.now() + 15 * 60_000).toISOString();

function fake(answers: Record<string, { status: number; body?: unknown }>) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fetcher = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const answer = answers[url] ?? { status: 404 };
    return new Response(JSON.stringify(answer.body ?? {}), { status: answer.status });
  }) as typeof fetch;
  return { fetcher, calls };
}

const ADMIN = { status: 200, body: { token: "jwt.of.link", role: "admin", name: "first-start link", expiresAt: IN_15_MINUTES() } };

afterEach(() => {
  signOut(fake({}).fetcher);
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe("the first-start link's fragment", () => {
  it("is taken out of the address bar, keeping the path, the query and other fragment parameters", () => {
    const { address, replaced } = bar("http://127.0.0.1:3006/?x=1#code=AbC-12_x");
    expect(takeLinkCode(address)).toBe("AbC-12_x");
    expect(replaced).toEqual(["/?x=1"]);
    const other = bar("http://127.0.0.1:3006/services#code=abc&tab=2");
    expect(takeLinkCode(other.address)).toBe("abc");
    expect(other.replaced).toEqual(["/services#tab=2"]);
  });

  it("leaves an address without a code alone", () => {
    for (const url of ["http://h/", "http://h/#", "http://h/#tab=2"]) {
      const { address, replaced } = bar(url);
      expect(takeLinkCode(address)).toBeNull();
      expect(replaced).toEqual([]);
    }
  });

  it("is removed as the module loads, before anything else, and handed over once", async () => {
    const { address, replaced } = bar("http://127.0.0.1:3006/#code=secret-code");
    vi.stubGlobal("window", address);
    const link = await import("./link");
    expect(replaced).toEqual(["/"]);
    expect(link.linkCode()).toBe("secret-code");
    expect(link.linkCode()).toBeNull();
  });

  it("is taken out when a link is opened in the app's tab, where only the fragment changes", () => {
    const target = Object.assign(new EventTarget(), {
      location: { hash: "", pathname: "/services", search: "" },
      history: { state: null, replaceState: vi.fn() },
    });
    const codes: string[] = [];
    const stop = onLinkCode((code) => codes.push(code), target);
    target.dispatchEvent(new Event("hashchange"));
    expect(codes).toEqual([]);
    target.location.hash = "#code=pasted";
    target.dispatchEvent(new Event("hashchange"));
    expect(codes).toEqual(["pasted"]);
    expect(target.history.replaceState).toHaveBeenCalledWith(null, "", "/services");
    stop();
    target.dispatchEvent(new Event("hashchange"));
    expect(codes).toEqual(["pasted"]);
  });
});

describe("signing in with the link's code", () => {
  it("sends the code in the body, no token, and lands signed in as admin", async () => {
    const { fetcher, calls } = fake({ "/api/v1/auth/code": ADMIN });
    const next = await resume("the-code", fetcher);
    expect(next).toMatchObject({ role: "admin", name: "first-start link" });
    expect(session()?.token).toBe("jwt.of.link");
    expect(calls.map((call) => call.url)).toEqual(["/api/v1/auth/code"]);
    const init = calls[0].init!;
    expect(init.method).toBe("POST");
    expect(JSON.parse(String(init.body))).toEqual({ code: "the-code" });
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(linkState()).toEqual({ state: "none" });
  });

  it("says clearly when the code is refused, then falls back to the cookie", async () => {
    const { fetcher, calls } = fake({ "/api/v1/auth/code": { status: 401 }, "/api/v1/auth/refresh": { status: 401 } });
    expect(await resume("used-code", fetcher)).toBeNull();
    expect(linkState()).toEqual({ state: "failed", message: LINK_REFUSED });
    expect(session()).toBeNull();
    expect(calls.map((call) => call.url)).toEqual(["/api/v1/auth/code", "/api/v1/auth/refresh"]);
  });

  it("gives a page that subscribes after the answer came what became of the link, and the session", async () => {
    // the app renders while the code is being exchanged and subscribes after its first paint: an
    // answer in between must not be lost
    const refused = fake({ "/api/v1/auth/code": { status: 401 }, "/api/v1/auth/refresh": { status: 401 } });
    await resume("used-code", refused.fetcher);
    const states: LinkState[] = [];
    const stop = onLinkChange((state) => states.push(state));
    expect(states).toEqual([{ state: "failed", message: LINK_REFUSED }]);
    stop();

    await resume("the-code", fake({ "/api/v1/auth/code": ADMIN }).fetcher);
    const sessions: (Session | null)[] = [];
    const stopSessions = onSessionChange((next) => sessions.push(next));
    expect(sessions.map((next) => next?.token)).toEqual(["jwt.of.link"]);
    stopSessions();
  });

  it("refuses an empty code without asking, and passes on the gateway's words for too many failures", async () => {
    const { fetcher, calls } = fake({});
    await expect(signInWithCode("", fetcher)).rejects.toThrow(LINK_REFUSED);
    expect(calls).toHaveLength(0);
    const limited = { status: 429, detail: "too many failed sign-ins from this address; try again in 40 s" };
    const error = await signInWithCode("x", fake({ "/api/v1/auth/code": { status: 429, body: limited } }).fetcher).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe(limited.detail);
  });

  it("without a code, picks the session up from the cookie as before", async () => {
    const { fetcher, calls } = fake({ "/api/v1/auth/refresh": { status: 401 } });
    expect(await resume(null, fetcher)).toBeNull();
    expect(calls.map((call) => call.url)).toEqual(["/api/v1/auth/refresh"]);
  });
});
