/**
 * Uploads dropped files through tus (resumable) with a progress bar each, and shows the assets
 * with their thumbnails, to confirm into the library or reject; `asset:state` and
 * `upload:progress` of /files keep both current; and a folder watch with its changes arriving.
 */
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import { Upload } from "tus-js-client";
import { useHub } from "../app";
import { api } from "../api";
import { applyAssetChange, type AssetChange } from "../assets";
import { authHeaders, canControl } from "../auth";
import { describe } from "../problem";
import { WatchPanel } from "../components/WatchPanel";
import { formatBytes } from "../services";
import type { Asset, UploadProgress } from "../types";
import { percent, reduceUploads, settleAsset, uploadIdOf, type UploadEntry, type UploadEvent, type Uploads } from "../uploads";

type Action = UploadEvent | { type: "settled"; assetId: string; failed: boolean };

function reducer(uploads: Uploads, action: Action): Uploads {
  return action.type === "settled" ? settleAsset(uploads, action.assetId, action.failed) : reduceUploads(uploads, action);
}

let counter = 0;

export function Files() {
  const hub = useHub();
  const [uploads, dispatch] = useReducer(reducer, []);
  const [assets, setAssets] = useState<Asset[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const running = useRef(new Map<string, Upload>());
  const input = useRef<HTMLInputElement>(null);

  const reload = () =>
    api
      .assets()
      .then((list) => setAssets(list.assets))
      .catch((failure) => setError(describe(failure)));

  useEffect(() => {
    reload();
    const socket = hub.namespace("/files");
    const onAsset = (change: AssetChange) => {
      if (change.state === "processed" || change.state === "failed") {
        dispatch({ type: "settled", assetId: change.id, failed: change.state === "failed" });
      }
      setAssets((prior) => {
        const applied = applyAssetChange(prior, change);
        if (applied.reload) {
          reload();
        }
        return applied.assets;
      });
    };
    const onProgress = (progress: UploadProgress) => dispatch({ type: "hub", progress });
    socket.on("asset:state", onAsset);
    socket.on("upload:progress", onProgress);
    const uploadsRunning = running.current;
    return () => {
      socket.off("asset:state", onAsset);
      socket.off("upload:progress", onProgress);
      uploadsRunning.forEach((upload) => upload.abort());
    };
  }, [hub]);

  const start = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const key = `u${++counter}`;
      dispatch({ type: "added", key, name: file.name, size: file.size });
      const upload = new Upload(file, {
        endpoint: "/api/v1/uploads/",
        headers: authHeaders(),
        metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
        retryDelays: [0, 1000, 3000, 5000],
        removeFingerprintOnSuccess: true,
        onProgress: (sent) => dispatch({ type: "progress", key, sent }),
        onAfterResponse: (_request, response) => {
          const location = response.getHeader("Location");
          if (location) dispatch({ type: "created", key, uploadId: uploadIdOf(location) });
        },
        onSuccess: (payload) => {
          running.current.delete(key);
          dispatch({ type: "finished", key, assetId: payload.lastResponse.getHeader("Switchboard-Asset-Id") ?? null });
          reload();
        },
        onError: (failure) => {
          running.current.delete(key);
          dispatch({ type: "failed", key, error: failure.message.split("\n")[0] });
        },
      });
      running.current.set(key, upload);
      upload.findPreviousUploads().then((previous) => {
        if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      });
    }
  };

  const decide = async (asset: Asset, decision: "confirm" | "reject") => {
    setError(null);
    try {
      const result = await (decision === "confirm" ? api.confirm([asset.id]) : api.reject([asset.id]));
      const answer = result.results[0];
      if (!answer?.ok) {
        setError(`${decision} ${asset.name}: ${answer?.error?.message ?? "refused"}`);
      } else if (answer.asset) {
        setAssets((prior) => prior.map((candidate) => (candidate.id === asset.id ? answer.asset! : candidate)));
      }
    } catch (failure) {
      setError(`${decision} ${asset.name}: ${describe(failure)}`);
    }
  };

  return (
    <>
      <h1>Files</h1>
      {canControl() ? (
        <div
          class={`dropzone${dragging ? " over" : ""}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            start(e.dataTransfer?.files ?? null);
          }}
        >
          <p>Drop files here to upload them (resumable: a broken upload goes on where it stopped).</p>
          <label class="button" for="file-input">
            Choose files…
          </label>
          <input id="file-input" ref={input} type="file" multiple class="visually-hidden" onChange={(e) => start((e.target as HTMLInputElement).files)} />
        </div>
      ) : (
        <p>Your role may look at the assets but not upload or decide on them.</p>
      )}
      {uploads.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {uploads.map((entry) => (
            <UploadRow key={entry.key} entry={entry} onDismiss={() => dispatch({ type: "dismissed", key: entry.key })} />
          ))}
        </ul>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <WatchPanel />
      <h2>Assets</h2>
      {assets.length === 0 && !error && <p>No assets yet.</p>}
      <ul class="assets">
        {assets.map((asset) => (
          <AssetCard key={asset.id} asset={asset} onDecide={decide} />
        ))}
      </ul>
    </>
  );
}

function UploadRow({ entry, onDismiss }: { entry: UploadEntry; onDismiss: () => void }) {
  const value = percent(entry);
  const label = entry.status === "uploading" ? `${value} %` : entry.status === "processing" ? "processing…" : entry.status === "done" ? "done" : `failed: ${entry.error}`;
  return (
    <li class={`upload ${entry.status}`}>
      <span class="name">{entry.name}</span>
      <progress max={100} value={value} aria-label={`Upload of ${entry.name}`} />
      <span class="detail">
        {formatBytes(entry.sent)} / {formatBytes(entry.size)} · {label}
      </span>
      {entry.status !== "uploading" && (
        <button type="button" class="quiet" onClick={onDismiss} aria-label={`Dismiss ${entry.name}`}>
          ×
        </button>
      )}
    </li>
  );
}

function AssetCard({ asset, onDecide }: { asset: Asset; onDecide: (asset: Asset, decision: "confirm" | "reject") => void }) {
  const [thumbnail, setThumbnail] = useState<string | null>(null);
  const hasThumbnail = asset.thumbnails.length > 0;
  useEffect(() => {
    if (!hasThumbnail) return;
    let url: string | null = null;
    let active = true;
    api
      .thumbnail(asset)
      .then((made) => {
        url = made;
        if (active) setThumbnail(made);
        else URL.revokeObjectURL(made);
      })
      .catch(() => undefined);
    return () => {
      active = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [asset.id, hasThumbnail]);

  const undecided = asset.state === "processed" || asset.state === "uploaded" || asset.state === "failed";
  return (
    <li class="asset">
      <div class="thumb">{thumbnail ? <img src={thumbnail} alt={`Thumbnail of ${asset.name}`} /> : <span aria-hidden="true">{asset.mediaType ?? "file"}</span>}</div>
      <div class="asset-body">
        <strong title={asset.name}>{asset.name}</strong>
        <span class={`badge ${asset.state}`}>{asset.state}</span>
        <span class="detail">
          {formatBytes(asset.size)}
          {asset.mediaType ? ` · ${asset.mediaType}` : ""}
        </span>
        {asset.reason && <span class="service-error">{asset.reason}</span>}
        {canControl() && undecided && (
          <div class="controls">
            {asset.state === "processed" && (
              <button type="button" onClick={() => onDecide(asset, "confirm")} aria-label={`Confirm ${asset.name}`}>
                confirm
              </button>
            )}
            <button type="button" onClick={() => onDecide(asset, "reject")} aria-label={`Reject ${asset.name}`}>
              reject
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
