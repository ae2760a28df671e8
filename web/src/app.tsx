/** The shell: sign-in until there is a session, then the navigation, the connection monitor and the page. */
import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import { onSessionChange, session, signOut, type Session } from "./auth";
import { Hub, hubUrl } from "./hub";
import { describeConnection, type ConnectionState } from "./connection";
import { SignIn } from "./pages/SignIn";
import { Dashboard } from "./pages/Dashboard";
import { Services } from "./pages/Services";
import { SystemPage } from "./pages/System";
import { Files } from "./pages/Files";
import { Logs } from "./pages/Logs";
import { Deployments } from "./pages/Deployments";
import { Settings } from "./pages/Settings";
import type { ComponentChildren } from "preact";

const PAGES = [
  { path: "/", title: "Dashboard", component: Dashboard },
  { path: "/services", title: "Services", component: Services },
  { path: "/deployments", title: "Deployments", component: Deployments },
  { path: "/logs", title: "Logs", component: Logs },
  { path: "/system", title: "System", component: SystemPage },
  { path: "/files", title: "Files", component: Files },
  { path: "/settings", title: "Settings", component: Settings },
] as const;

const HubContext = createContext<Hub | null>(null);

/** The hub of the signed-in session. */
export function useHub(): Hub {
  return useContext(HubContext)!;
}

/** The hub connection's state, re-rendered at every change. */
export function useConnection(): ConnectionState {
  const hub = useHub();
  const [state, setState] = useState(hub.state());
  useEffect(() => hub.onState(setState), [hub]);
  return state;
}

/** The current time, ticking every `ms` (for "3 s ago" texts). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const back = () => setPath(location.pathname);
    addEventListener("popstate", back);
    return () => removeEventListener("popstate", back);
  }, []);
  return [path, navigate];
}

/** Goes to a page of the app without a reload (the shell follows, as it does for back and forward). */
export function navigate(path: string): void {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

/** A link to a page of the app: a plain click navigates in place, a modified one opens as a link does. */
export function Link({ href, children, ...rest }: { href: string; children: ComponentChildren; class?: string; "aria-current"?: "page" }) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(event) => {
        if (event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey) {
          event.preventDefault();
          navigate(href);
        }
      }}
    >
      {children}
    </a>
  );
}

export function App() {
  const [current, setCurrent] = useState<Session | null>(session());
  const [hub, setHub] = useState<Hub | null>(null);
  useEffect(() => onSessionChange(setCurrent), []);
  useEffect(() => {
    if (!current) {
      return;
    }
    const created = new Hub(hubUrl());
    setHub(created);
    return () => {
      created.close();
      setHub(null);
    };
  }, [current?.token]);

  if (!current) {
    return <SignIn />;
  }
  if (!hub) {
    return null;
  }
  return (
    <HubContext.Provider value={hub}>
      <Shell session={current} />
    </HubContext.Provider>
  );
}

function Shell({ session: current }: { session: Session }) {
  const [path] = usePath();
  const page = PAGES.find((candidate) => candidate.path === path);
  useEffect(() => {
    document.title = `${page?.title ?? "Not found"} · Switchboard`;
    document.getElementById("main")?.focus();
  }, [page]);
  const Page = page?.component;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Switchboard</strong>
        <nav aria-label="Pages">
          {PAGES.map((candidate) => (
            <Link key={candidate.path} href={candidate.path} aria-current={candidate.path === path ? "page" : undefined}>
              {candidate.title}
            </Link>
          ))}
        </nav>
        <ConnectionBadge />
        <span class="role" title="Your role">
          {current.role}
        </span>
        <button type="button" class="quiet" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {Page ? (
          <Page />
        ) : (
          <section>
            <h1>Not found</h1>
            <p>
              There is no page at <code>{path}</code>. <a href="/">Go to the dashboard</a>.
            </p>
          </section>
        )}
      </main>
    </>
  );
}

function ConnectionBadge() {
  const state = useConnection();
  const now = useNow();
  return (
    <span class={`connection ${state.status}`} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />
      {describeConnection(state, now)}
    </span>
  );
}
