import { describe, expect, it } from "vitest";
import { EMPTY_DRAFT, formatWhen, isExpired, toTokenRequest, withToken, withoutToken, type Token } from "./tokens";

const NOW = new Date("2026-12-05T12:00:00Z");

function token(id: string, extra: Partial<Token> = {}): Token {
  return { id, name: `t${id}`, role: "viewer", createdAt: "2026-12-01T00:00:00Z", expiresAt: null, lastUsedAt: null, ...extra };
}

describe("token form", () => {
  it("asks for a name, at the field the API names", () => {
    const { request, messages } = toTokenRequest({ ...EMPTY_DRAFT, name: "   " }, NOW);
    expect(request).toBeNull();
    expect(Object.keys(messages.fields)).toEqual(["name"]);
    expect(messages.form).toBeNull();
  });

  it("refuses a name of more than 100 characters, and takes one of 100", () => {
    expect(toTokenRequest({ ...EMPTY_DRAFT, name: "x".repeat(101) }, NOW).messages.fields.name).toContain("100");
    expect(toTokenRequest({ ...EMPTY_DRAFT, name: "x".repeat(100) }, NOW).request?.name).toHaveLength(100);
  });

  it("refuses a role the API does not know", () => {
    const checked = toTokenRequest({ ...EMPTY_DRAFT, name: "ci", role: "root" as Token["role"] }, NOW);
    expect(checked.messages.fields.role).toBeDefined();
  });

  it("sends the trimmed name and the role, and no expiry for never", () => {
    expect(toTokenRequest({ ...EMPTY_DRAFT, name: "  deploy bot ", role: "operator" }, NOW)).toEqual({
      request: { name: "deploy bot", role: "operator" },
      messages: { form: null, fields: {} },
    });
  });

  it("turns a preset into a time with an offset, that many days on", () => {
    const { request } = toTokenRequest({ ...EMPTY_DRAFT, name: "ci", expiry: "30d" }, NOW);
    expect(request?.expiresAt).toBe("2027-01-04T12:00:00.000Z");
  });

  it("takes a future date and time, refuses a past or missing one at expiresAt", () => {
    const future = toTokenRequest({ ...EMPTY_DRAFT, name: "ci", expiry: "date", expiresOn: "2027-03-01T09:30" }, NOW);
    expect(Date.parse(future.request!.expiresAt!)).toBe(new Date("2027-03-01T09:30").getTime());
    expect(future.request!.expiresAt).toMatch(/Z$/);
    const past = toTokenRequest({ ...EMPTY_DRAFT, name: "ci", expiry: "date", expiresOn: "2020-01-01T00:00" }, NOW);
    expect(past.request).toBeNull();
    expect(past.messages.fields.expiresAt).toContain("future");
    const missing = toTokenRequest({ ...EMPTY_DRAFT, name: "", expiry: "date", expiresOn: "" }, NOW);
    expect(Object.keys(missing.messages.fields).sort()).toEqual(["expiresAt", "name"]);
  });
});

describe("token list", () => {
  it("says whether a token has expired", () => {
    expect(isExpired(token("1"), NOW)).toBe(false);
    expect(isExpired(token("1", { expiresAt: "2026-12-05T11:59:59Z" }), NOW)).toBe(true);
    expect(isExpired(token("1", { expiresAt: "2026-12-06T00:00:00Z" }), NOW)).toBe(false);
  });

  it("shows a missing date as the given word", () => {
    expect(formatWhen(null, "never")).toBe("never");
    expect(formatWhen(undefined, "not yet")).toBe("not yet");
    expect(formatWhen("2026-12-05T12:00:00Z", "never")).toBe(new Date("2026-12-05T12:00:00Z").toLocaleString());
  });

  it("adds a created token first without its secret, and drops a revoked one", () => {
    const list = [token("1"), token("2")];
    const added = withToken(list, { ...token("3"), token: "sbt_secret" });
    expect(added.map((t) => t.id)).toEqual(["3", "1", "2"]);
    expect(JSON.stringify(added)).not.toContain("sbt_secret");
    expect(withoutToken(added, "1").map((t) => t.id)).toEqual(["3", "2"]);
  });
});
