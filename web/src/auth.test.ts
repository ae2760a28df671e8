import { afterEach, describe, expect, it } from "vitest";
import { authHeaders, canControl, hubAuth, session, signIn, signOut, useStore, type SessionStore } from "./auth";
import { ApiError } from "./problem";

class MemoryStore implements SessionStore {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

/** A fetch that answers by path and records what it was asked. */
function fake(statuses: Record<string, number>) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fetcher = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    return new Response("{}", { status: statuses[url] ?? 200 });
  }) as typeof fetch;
  return { fetcher, calls };
}

afterEach(() => {
  signOut();
  useStore(null);
});

describe("sign-in with a token", () => {
  it("signs an admin in, keeps the session in the store and sends the token as bearer and in the hub's auth", async () => {
    const store = new MemoryStore();
    useStore(store);
    const { fetcher, calls } = fake({});
    expect(await signIn("  admin-token-123456  ", fetcher)).toEqual({ token: "admin-token-123456", role: "admin" });
    expect(calls.map((call) => call.url)).toEqual(["/api/v1/system/info", "/api/v1/assets/check"]);
    expect((calls[1].init!.headers as Record<string, string>).Authorization).toBe("Bearer admin-token-123456");
    expect(authHeaders()).toEqual({ Authorization: "Bearer admin-token-123456" });
    let auth: { token?: string } = {};
    hubAuth((given) => (auth = given));
    expect(auth).toEqual({ token: "admin-token-123456" });
    expect(canControl()).toBe(true);
    useStore(store);
    expect(session()).toEqual({ token: "admin-token-123456", role: "admin" });
  });

  it("finds the viewer role from the control probe's 403", async () => {
    useStore(new MemoryStore());
    const { fetcher } = fake({ "/api/v1/assets/check": 403 });
    expect((await signIn("viewer-token-123456", fetcher)).role).toBe("viewer");
    expect(canControl()).toBe(false);
  });

  it("refuses an unknown token and the emit token at the token field, keeping no session", async () => {
    const store = new MemoryStore();
    useStore(store);
    const unknown = await signIn("nope-nope-nope-nope", fake({ "/api/v1/system/info": 401 }).fetcher).catch((e) => e);
    expect(unknown).toBeInstanceOf(ApiError);
    expect((unknown as ApiError).problem["invalid-params"]![0]).toEqual({ name: "token", reason: "is not a token Switchboard knows" });
    const emitter = await signIn("emit-token-1234567", fake({ "/api/v1/system/info": 403 }).fetcher).catch((e) => e);
    expect((emitter as ApiError).status).toBe(403);
    expect(session()).toBeNull();
    expect(store.items.size).toBe(0);
  });

  it("refuses an empty token without asking the API", async () => {
    const { fetcher, calls } = fake({});
    await expect(signIn("   ", fetcher)).rejects.toBeInstanceOf(ApiError);
    expect(calls).toHaveLength(0);
  });

  it("forgets the session at sign-out", async () => {
    const store = new MemoryStore();
    useStore(store);
    await signIn("admin-token-123456", fake({}).fetcher);
    signOut();
    expect(session()).toBeNull();
    expect(authHeaders()).toEqual({});
    expect(store.items.size).toBe(0);
  });
});
