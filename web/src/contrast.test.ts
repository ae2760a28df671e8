/**
 * Both themes of styles.css are readable: every colour used for text meets WCAG 2.x AA (4.5:1) on
 * the page background and on a panel, and the background colour used as text on the accent (the
 * current page in the navigation, a pressed button) does too.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// read from disk: vitest hands CSS imports to its CSS handling, which gives them no text
const css = readFileSync(new URL("./styles.css", import.meta.url), "utf8");

function variables(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  expect(start, `${selector} in styles.css`).toBeGreaterThanOrEqual(0);
  const block = css.slice(start, css.indexOf("}", start));
  return Object.fromEntries([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT = ["text", "muted", "accent", "ok", "busy", "warn", "bad", "idle"];

describe.each([
  ["light", ":root"],
  ["dark", ":root.theme-dark"],
])("the %s theme", (_name, selector) => {
  const colours = variables(selector);

  it("defines every colour", () => {
    for (const name of [...TEXT, "bg", "panel", "border"]) expect(colours[name], name).toMatch(/^#/);
  });

  it.each(TEXT)("--%s is readable on the background and on a panel", (name) => {
    expect(contrast(colours[name], colours.bg)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(colours[name], colours.panel)).toBeGreaterThanOrEqual(4.5);
  });

  it("the background is readable on the accent", () => {
    expect(contrast(colours.bg, colours.accent)).toBeGreaterThanOrEqual(4.5);
  });
});

describe("contrast", () => {
  it("is 21 for black on white and 1 for a colour on itself", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#1d4ed8", "#1d4ed8")).toBe(1);
  });
});
