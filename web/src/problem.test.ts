import { describe as group, expect, it } from "vitest";
import { ApiError, describe, toFormMessages, toProblem } from "./problem";

group("toFormMessages", () => {
  it("puts a reason under the field the API names", () => {
    const messages = toFormMessages(
      { status: 400, detail: "bad definition", "invalid-params": [{ name: "port", reason: "must be 1 to 65535" }] },
      ["name", "port"],
    );
    expect(messages).toEqual({ form: null, fields: { port: "must be 1 to 65535" } });
  });

  it("joins two reasons for one field", () => {
    const messages = toFormMessages(
      { status: 400, "invalid-params": [{ name: "name", reason: "is taken" }, { name: "name", reason: "is too long" }] },
      ["name"],
    );
    expect(messages.fields.name).toBe("is taken; is too long");
  });

  it("keeps a field the form does not have in the form's message, with its name", () => {
    const messages = toFormMessages(
      { status: 400, detail: "bad definition", "invalid-params": [{ name: "health.http", reason: "is not a URL" }] },
      ["name"],
    );
    expect(messages).toEqual({ form: "bad definition (health.http: is not a URL)", fields: {} });
  });

  it("says what a status means when the problem has no detail", () => {
    expect(toFormMessages({ status: 403 }).form).toBe("Your role may not do this.");
  });
});

group("toProblem", () => {
  it("takes a problem+json body as it is", () => {
    const body = { type: "about:blank", title: "Conflict", status: 409, detail: "name taken", code: "conflict" };
    expect(toProblem(409, body)).toBe(body);
  });

  it("makes one from the status when the body is not a problem", () => {
    expect(toProblem(503, "<html>")).toEqual({ status: 503, detail: "The service behind this is not running." });
    expect(toProblem(418, null).detail).toBe("The server answered 418.");
  });
});

group("describe", () => {
  it("gives an ApiError's detail and a plain error's message", () => {
    expect(describe(new ApiError({ status: 404, detail: "no service web1" }))).toBe("no service web1");
    expect(describe(new Error("offline"))).toBe("offline");
  });
});
