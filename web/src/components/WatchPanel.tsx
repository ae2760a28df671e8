/**
 * Watch a folder through the hub's /files `watch` and see its changes arrive: the path field (with
 * the ack's error shown at it), watch and unwatch, and the changes newest first, at most
 * {@link CHANGE_LIMIT}. Every role that may read may watch.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Socket } from "socket.io-client";
import { useHub } from "../app";
import { formatBytes } from "../services";
import { addChanges, CHANGE_LIMIT, describeAckError, readWatchAck, watchRequest, type AckError, type ChangeRow, type WatchChange } from "../watch";

interface Held {
  watchId: string;
  path: string;
  request: { path: string; recursive: boolean };
}

async function askWatch(socket: Socket, request: { path: string; recursive: boolean }): Promise<ReturnType<typeof readWatchAck>> {
  try {
    return readWatchAck(await socket.timeout(10_000).emitWithAck("watch", request));
  } catch {
    return { error: { code: "timeout", message: "no answer from the hub within 10 s" } };
  }
}

export function WatchPanel() {
  const hub = useHub();
  const [path, setPath] = useState("");
  const [recursive, setRecursive] = useState(false);
  const [held, setHeld] = useState<Held | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [watchError, setWatchError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [rows, setRows] = useState<ChangeRow[]>([]);
  const heldRef = useRef<Held | null>(null);
  heldRef.current = held;

  useEffect(() => {
    const socket = hub.namespace("/files");
    const onChange = (change: WatchChange) => setRows((prior) => addChanges(prior, [change], heldRef.current?.watchId ?? null, Date.now()));
    const onError = (error: AckError & { watchId: string }) => {
      if (error.watchId === heldRef.current?.watchId) setWatchError(describeAckError(error));
    };
    socket.on("change", onChange);
    socket.on("watch:error", onError);
    // a connection that did not recover its rooms has lost the watch: ask again (the same request
    // gets the same id); a recovered one is watching again already
    const stop = hub.whenConnected("/files", (connected) => {
      const current = heldRef.current;
      if (current) {
        askWatch(connected, current.request).then((answer) => {
          if ("error" in answer) setWatchError(describeAckError(answer.error));
        });
      }
    });
    return () => {
      stop();
      socket.off("change", onChange);
      socket.off("watch:error", onError);
      const current = heldRef.current;
      if (current && socket.connected) socket.emit("unwatch", { watchId: current.watchId });
    };
  }, [hub]);

  const unwatch = () => {
    const current = heldRef.current;
    if (!current) return;
    hub.namespace("/files").emit("unwatch", { watchId: current.watchId });
    setHeld(null);
    setWatchError(null);
  };

  const watch = async (event: Event) => {
    event.preventDefault();
    const request = watchRequest(path, recursive);
    if ("error" in request) {
      setFieldError(request.error);
      return;
    }
    setBusy(true);
    setFieldError(null);
    setWatchError(null);
    const answer = await askWatch(hub.namespace("/files"), request);
    setBusy(false);
    if ("error" in answer) {
      setFieldError(describeAckError(answer.error));
      return;
    }
    const previous = heldRef.current;
    if (previous && previous.watchId !== answer.watchId) {
      hub.namespace("/files").emit("unwatch", { watchId: previous.watchId });
    }
    if (previous?.watchId !== answer.watchId) setRows([]);
    setHeld({ watchId: answer.watchId, path: answer.path, request });
  };

  return (
    <section class="watch-panel" aria-labelledby="watch-title">
      <h2 id="watch-title">Watch a folder</h2>
      <form class="watch-form" onSubmit={watch} noValidate>
        <label for="watch-path">Folder</label>
        <input
          id="watch-path"
          type="text"
          value={path}
          placeholder="incoming or /srv/library/incoming"
          autoComplete="off"
          spellcheck={false}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? "watch-path-error watch-path-help" : "watch-path-help"}
          onInput={(e) => setPath((e.target as HTMLInputElement).value)}
        />
        <label class="check">
          <input type="checkbox" checked={recursive} onChange={(e) => setRecursive((e.target as HTMLInputElement).checked)} /> Subfolders too
        </label>
        <button type="submit" disabled={busy}>
          {held ? "Watch instead" : "Watch"}
        </button>
        {held && (
          <button type="button" onClick={unwatch}>
            Unwatch
          </button>
        )}
      </form>
      {fieldError && (
        <p id="watch-path-error" class="field-error" role="alert">
          {fieldError}
        </p>
      )}
      <p id="watch-path-help" class="detail">
        A folder inside the watch roots (<code>WATCH_ROOTS</code>, the library by default); a relative path is taken from the first root.
      </p>
      <p class="watch-status" aria-live="polite">
        {held ? (
          <>
            Watching <code>{held.path}</code>
            {held.request.recursive ? " and its subfolders" : ""}: {rows.length === 0 ? "no changes yet" : `${rows.length} change${rows.length === 1 ? "" : "s"}`}
            {rows.length >= CHANGE_LIMIT ? ` (the newest ${CHANGE_LIMIT})` : ""}.
          </>
        ) : (
          "Not watching."
        )}
      </p>
      {watchError && (
        <p class="error" role="alert">
          {watchError}
        </p>
      )}
      {rows.length > 0 && (
        <>
          <ol class="changes" aria-label="Changes, newest first">
            {rows.map((row) => (
              <li key={row.key} class={`change ${row.changeType}`}>
                <time dateTime={new Date(row.receivedAt).toISOString()}>{new Date(row.receivedAt).toLocaleTimeString()}</time>
                <span class={`badge ${row.changeType}`}>{row.changeType}</span>
                <span class="path" title={row.path}>
                  {row.path}
                  {row.directory ? "/" : ""}
                </span>
                <span class="detail">{row.changeType === "deleted" || row.directory ? "" : formatBytes(row.size)}</span>
              </li>
            ))}
          </ol>
          <button type="button" class="quiet" onClick={() => setRows([])}>
            Clear the list
          </button>
        </>
      )}
    </section>
  );
}
