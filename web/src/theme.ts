/**
 * The theme: light, dark, or the system's (the default), kept in localStorage (a preference, not a
 * secret) and applied to the document as a class (`theme-light` / `theme-dark`, which pick the
 * colours in styles.css) and `color-scheme` (the browser's own controls and scrollbars). "System"
 * follows `prefers-color-scheme` live.
 */
export type ThemeChoice = "light" | "dark" | "system";
export type Theme = "light" | "dark";

export const THEME_KEY = "switchboard.theme";
export const THEME_CHOICES: readonly ThemeChoice[] = ["light", "dark", "system"];
const DARK_QUERY = "(prefers-color-scheme: dark)";

/** The stored choice; anything else (nothing, an old value, storage refused) is "system". */
export function readChoice(storage: Pick<Storage, "getItem"> | null): ThemeChoice {
  try {
    const value = storage?.getItem(THEME_KEY);
    return value === "light" || value === "dark" || value === "system" ? value : "system";
  } catch {
    return "system";
  }
}

/** Keeps the choice; "system" is kept by forgetting any other. False when the storage refused. */
export function storeChoice(storage: Pick<Storage, "setItem" | "removeItem"> | null, choice: ThemeChoice): boolean {
  try {
    if (choice === "system") storage?.removeItem(THEME_KEY);
    else storage?.setItem(THEME_KEY, choice);
    return storage !== null;
  } catch {
    return false;
  }
}

/** The theme shown for a choice while the system prefers dark or not. */
export function resolveTheme(choice: ThemeChoice, systemPrefersDark: boolean): Theme {
  return choice === "system" ? (systemPrefersDark ? "dark" : "light") : choice;
}

/** What the theme applies to: the document's root element. */
export interface ThemeTarget {
  classList: Pick<DOMTokenList, "add" | "remove">;
  style: { colorScheme: string };
}

export function applyTheme(target: ThemeTarget, theme: Theme): void {
  target.classList.remove(theme === "dark" ? "theme-light" : "theme-dark");
  target.classList.add(`theme-${theme}`);
  target.style.colorScheme = theme;
}

/** Where the theme lives: the window's storage, media queries and root element, or fakes in tests. */
export interface ThemeEnvironment {
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null;
  matchMedia: (query: string) => Pick<MediaQueryList, "matches" | "addEventListener" | "removeEventListener">;
  root: ThemeTarget;
}

type Listener = (choice: ThemeChoice, theme: Theme) => void;

/** The theme of a page: applied at once, again at every choice and (for "system") every change of the system's. */
export class ThemeController {
  private current: ThemeChoice;
  private readonly query: ReturnType<ThemeEnvironment["matchMedia"]>;
  private readonly listeners = new Set<Listener>();
  private readonly onSystem = () => this.apply();

  constructor(private readonly env: ThemeEnvironment) {
    this.current = readChoice(env.storage);
    this.query = env.matchMedia(DARK_QUERY);
    this.query.addEventListener("change", this.onSystem);
    this.apply();
  }

  choice(): ThemeChoice {
    return this.current;
  }

  theme(): Theme {
    return resolveTheme(this.current, this.query.matches);
  }

  /** Applies and keeps a choice; false when it could not be kept (it applies for this page anyway). */
  choose(choice: ThemeChoice): boolean {
    this.current = choice;
    const kept = storeChoice(this.env.storage, choice);
    this.apply();
    return kept;
  }

  /** Calls the listener at every change of the choice or the theme shown; returns what stops it. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.query.removeEventListener("change", this.onSystem);
    this.listeners.clear();
  }

  private apply(): void {
    const theme = this.theme();
    applyTheme(this.env.root, theme);
    this.listeners.forEach((listener) => listener(this.current, theme));
  }
}

function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

let page: ThemeController | null = null;

/** The page's theme, started on first use (main.tsx starts it before the first render). */
export function pageTheme(): ThemeController {
  page ??= new ThemeController({
    storage: browserStorage(),
    matchMedia: (query) => window.matchMedia(query),
    root: document.documentElement,
  });
  return page;
}
