import { describe, expect, it } from "vitest";
import { APP_VERSION, formatUptime } from "./about";
import pkg from "../package.json";

describe("about", () => {
  it("says the app's version from package.json", () => {
    expect(APP_VERSION).toBe(pkg.version);
  });

  it("says an uptime in its two largest units", () => {
    expect(formatUptime(0)).toBe("0 s");
    expect(formatUptime(42.9)).toBe("42 s");
    expect(formatUptime(423)).toBe("7 min 3 s");
    expect(formatUptime(5 * 3600 + 12 * 60 + 59)).toBe("5 h 12 min");
    expect(formatUptime(3 * 86_400 + 4 * 3600 + 5)).toBe("3 d 4 h");
    expect(formatUptime(86_400 + 30)).toBe("1 d");
    expect(formatUptime(null)).toBe("unknown");
    expect(formatUptime(-1)).toBe("unknown");
  });
});
