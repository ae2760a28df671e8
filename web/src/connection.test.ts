import { describe, expect, it } from "vitest";
import { describeConnection, initialConnection, isLive, nextConnection, type ConnectionEvent, type ConnectionState } from "./connection";

function run(events: [ConnectionEvent, number][]): ConnectionState {
  return events.reduce((state, [event, at]) => nextConnection(state, event, at), initialConnection(0));
}

describe("the hub connection's state", () => {
  it("is connected once the namespace opens, and live", () => {
    const state = run([[{ type: "open", recovered: false }, 100]]);
    expect(state.status).toBe("connected");
    expect(isLive(state)).toBe(true);
    expect(describeConnection(state, 200)).toBe("Connected");
  });

  it("shows a drop with its time and the attempts that follow, and is not live meanwhile", () => {
    const state = run([
      [{ type: "open", recovered: false }, 0],
      [{ type: "drop", reason: "transport close" }, 10_000],
      [{ type: "attempt", attempt: 1 }, 11_000],
      [{ type: "attempt", attempt: 2 }, 13_000],
    ]);
    expect(state).toMatchObject({ status: "reconnecting", droppedAt: 10_000, attempts: 2, since: 10_000 });
    expect(isLive(state)).toBe(false);
    expect(describeConnection(state, 40_000)).toBe("Connection lost 30 s ago; reconnecting (attempt 2)…");
  });

  it("says it is back, and whether the missed events were replayed", () => {
    const state = run([
      [{ type: "open", recovered: false }, 0],
      [{ type: "drop", reason: "ping timeout" }, 1_000],
      [{ type: "open", recovered: true }, 5_000],
    ]);
    expect(state).toMatchObject({ status: "connected", attempts: 0, recovered: true, error: null, droppedAt: 1_000 });
    expect(describeConnection(state, 6_000)).toBe("Connected again (missed events replayed), just now");
  });

  it("stops at a refused token and says why, but keeps trying after another refusal", () => {
    const refused = run([[{ type: "refused", message: "invalid token", fatal: true }, 50]]);
    expect(refused.status).toBe("disconnected");
    expect(describeConnection(refused, 60)).toBe("Disconnected: invalid token");
    const transient = run([[{ type: "refused", message: "xhr poll error", fatal: false }, 50]]);
    expect(transient.status).toBe("connecting");
    expect(describeConnection(transient, 60)).toBe("Connecting… (xhr poll error)");
  });

  it("is disconnected when the client gives up reconnecting", () => {
    const state = run([
      [{ type: "open", recovered: false }, 0],
      [{ type: "drop", reason: "transport error" }, 1_000],
      [{ type: "closed" }, 9_000],
    ]);
    expect(state).toMatchObject({ status: "disconnected", since: 9_000, droppedAt: 1_000 });
  });

  it("does not take a drop before the first connection for a drop of a live one", () => {
    const state = run([[{ type: "drop", reason: "transport error" }, 1_000]]);
    expect(state).toMatchObject({ status: "connecting", droppedAt: null, error: "transport error" });
  });
});
