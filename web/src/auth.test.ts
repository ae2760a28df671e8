import { afterEach, describe, expect, it, vi } from "vitest";
import { authHeaders, canAdminister, canControl, hubAuth, refresh, session, signIn, signOut } from "./auth";
import { ApiError } from "./problem";

const IN_15_MINUTES = () => new Date(Date.now() + 15 * 60_000).toISOString();

/** A fetch that answers by path and records what it was asked. */
function fake(answers: Record<string, { status: number; body?: unknown | (() => unknown) }>) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fetcher = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const answer = answers[url] ?? { status: 404 };
    const body = typeof answer.body === "function" ? (answer.body as () => unknown)() : answer.body;
    return new Response(JSON.stringify(body ?? {}), { status: answer.status });
  }) as typeof fetch;
  return { fetcher, calls };
}

/** A sign-in answer whose JWT expires 15 minutes after each call. */
function signedIn(role: string, token = "jwt.of." + role) {
  return { status: 200, body: () => ({ token, role, name: `${role} token`, expiresAt: IN_15_MINUTES() }) };
}

afterEach(() => {
  signOut(fake({}).fetcher);
  vi.useRealTimers();
});

describe("sign-in", () => {
  it("exchanges the token for a JWT kept in memory only, sent as bearer and in the hub's auth", async () => {
    const { fetcher, calls } = fake({ "/api/v1/auth/login": signedIn("admin") });
    const next = await signIn("  admin-token-123456  ", fetcher);
    expect(next).toMatchObject({ token: "jwt.of.admin", role: "admin", name: "admin token" });
    expect(calls).toHaveLength(1);
    expect(calls[0].init!.method).toBe("POST");
    expect(calls[0].init!.credentials).toBe("same-origin");
    expect((calls[0].init!.headers as Record<string, string>).Authorization).toBe("Bearer admin-token-123456");
    expect(authHeaders()).toEqual({ Authorization: "Bearer jwt.of.admin" });
    let auth: { token?: string } = {};
    hubAuth((given) => (auth = given));
    expect(auth).toEqual({ token: "jwt.of.admin" });
    expect(canControl()).toBe(true);
    expect(canAdminister()).toBe(true);
    expect(typeof globalThis.localStorage).toBe("undefined");
  });

  it("gives the operator control but not administration, and the viewer neither", async () => {
    await signIn("operator-token-1234", fake({ "/api/v1/auth/login": signedIn("operator") }).fetcher);
    expect(canControl()).toBe(true);
    expect(canAdminister()).toBe(false);
    await signIn("viewer-token-123456", fake({ "/api/v1/auth/login": signedIn("viewer") }).fetcher);
    expect(canControl()).toBe(false);
    expect(canAdminister()).toBe(false);
  });

  it("refuses an unknown token and the emit token at the token field, keeping no session", async () => {
    const unknown = await signIn("nope-nope-nope-nope", fake({ "/api/v1/auth/login": { status: 401 } }).fetcher).catch((e) => e);
    expect(unknown).toBeInstanceOf(ApiError);
    expect((unknown as ApiError).problem["invalid-params"]![0]).toEqual({ name: "token", reason: "is not a token Switchboard knows" });
    const emitter = await signIn("emit-token-1234567", fake({ "/api/v1/auth/login": { status: 403 } }).fetcher).catch((e) => e);
    expect((emitter as ApiError).status).toBe(403);
    expect(session()).toBeNull();
  });

  it("refuses an empty token without asking the API", async () => {
    const { fetcher, calls } = fake({});
    await expect(signIn("   ", fetcher)).rejects.toBeInstanceOf(ApiError);
    expect(calls).toHaveLength(0);
  });

  it("picks the session up again from the cookie after a reload, and has none without it", async () => {
    const { fetcher, calls } = fake({ "/api/v1/auth/refresh": signedIn("viewer", "jwt.again") });
    expect(await refresh(fetcher)).toMatchObject({ token: "jwt.again", role: "viewer" });
    expect(calls[0].init!.credentials).toBe("same-origin");
    expect(await refresh(fake({ "/api/v1/auth/refresh": { status: 401 } }).fetcher)).toBeNull();
    expect(session()).toBeNull();
  });

  it("refreshes a minute before expiry", async () => {
    vi.useFakeTimers();
    const { fetcher, calls } = fake({
      "/api/v1/auth/login": signedIn("admin"),
      "/api/v1/auth/refresh": signedIn("admin", "jwt.refreshed"),
    });
    await signIn("admin-token-123456", fetcher);
    await vi.advanceTimersByTimeAsync(13 * 60_000);
    expect(calls.map((call) => call.url)).toEqual(["/api/v1/auth/login"]);
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(calls.map((call) => call.url)).toEqual(["/api/v1/auth/login", "/api/v1/auth/refresh"]);
    expect(session()!.token).toBe("jwt.refreshed");
  });

  it("forgets the session at sign-out and asks the gateway to clear the cookie", async () => {
    const { fetcher, calls } = fake({ "/api/v1/auth/login": signedIn("admin"), "/api/v1/auth/logout": { status: 204 } });
    await signIn("admin-token-123456", fetcher);
    signOut(fetcher);
    expect(session()).toBeNull();
    expect(authHeaders()).toEqual({});
    expect(calls.map((call) => call.url)).toContain("/api/v1/auth/logout");
  });
});
