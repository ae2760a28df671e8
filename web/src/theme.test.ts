import { describe, expect, it } from "vitest";
import { THEME_KEY, ThemeController, applyTheme, readChoice, resolveTheme, storeChoice, type ThemeEnvironment } from "./theme";

function memoryStorage(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  return {
    values,
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
}

function fakeEnvironment(stored: Record<string, string> = {}, dark = false) {
  const storage = memoryStorage(stored);
  const listeners = new Set<() => void>();
  const query = {
    matches: dark,
    addEventListener: (_: string, listener: () => void) => void listeners.add(listener),
    removeEventListener: (_: string, listener: () => void) => void listeners.delete(listener),
  };
  const classes = new Set<string>();
  const root = {
    classes,
    classList: { add: (name: string) => void classes.add(name), remove: (name: string) => void classes.delete(name) },
    style: { colorScheme: "" },
  };
  const env = { storage, matchMedia: () => query, root } as unknown as ThemeEnvironment;
  /** The system switches between light and dark, as a media query change event says. */
  const systemSwitches = (toDark: boolean) => {
    query.matches = toDark;
    listeners.forEach((listener) => listener());
  };
  return { env, storage, root, listeners, systemSwitches };
}

describe("theme", () => {
  it("reads a stored choice, and anything else as system", () => {
    expect(readChoice(memoryStorage({ [THEME_KEY]: "dark" }))).toBe("dark");
    expect(readChoice(memoryStorage({ [THEME_KEY]: "light" }))).toBe("light");
    expect(readChoice(memoryStorage({ [THEME_KEY]: "sepia" }))).toBe("system");
    expect(readChoice(memoryStorage())).toBe("system");
    expect(readChoice(null)).toBe("system");
    const refusing = { getItem: () => { throw new Error("SecurityError"); } };
    expect(readChoice(refusing)).toBe("system");
  });

  it("keeps light and dark, and forgets them for system", () => {
    const storage = memoryStorage();
    expect(storeChoice(storage, "dark")).toBe(true);
    expect(storage.values.get(THEME_KEY)).toBe("dark");
    storeChoice(storage, "system");
    expect(storage.values.has(THEME_KEY)).toBe(false);
    const full = { setItem: () => { throw new Error("QuotaExceededError"); }, removeItem: () => undefined };
    expect(storeChoice(full, "light")).toBe(false);
  });

  it("resolves system to what the system prefers, and a choice to itself", () => {
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("dark", false)).toBe("dark");
  });

  it("applies one class and the color-scheme", () => {
    const { root } = fakeEnvironment();
    applyTheme(root, "dark");
    expect([...root.classes]).toEqual(["theme-dark"]);
    expect(root.style.colorScheme).toBe("dark");
    applyTheme(root, "light");
    expect([...root.classes]).toEqual(["theme-light"]);
    expect(root.style.colorScheme).toBe("light");
  });

  it("applies the stored choice at once and follows the system live only while the choice is system", () => {
    const { env, root, storage, systemSwitches, listeners } = fakeEnvironment({ [THEME_KEY]: "light" }, true);
    const theme = new ThemeController(env);
    expect(theme.choice()).toBe("light");
    expect([...root.classes]).toEqual(["theme-light"]);
    systemSwitches(true);
    expect([...root.classes]).toEqual(["theme-light"]);

    const seen: string[] = [];
    theme.onChange((choice, shown) => seen.push(`${choice}:${shown}`));
    theme.choose("system");
    expect(storage.values.has(THEME_KEY)).toBe(false);
    expect([...root.classes]).toEqual(["theme-dark"]);
    systemSwitches(false);
    expect([...root.classes]).toEqual(["theme-light"]);
    expect(root.style.colorScheme).toBe("light");
    theme.choose("dark");
    expect(storage.values.get(THEME_KEY)).toBe("dark");
    expect(seen).toEqual(["system:dark", "system:light", "dark:dark"]);

    theme.close();
    expect(listeners.size).toBe(0);
  });
});
