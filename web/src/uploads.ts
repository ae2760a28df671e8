/**
 * The uploads of this page: one entry per dropped file, its bytes sent as tus-js-client reports
 * them, and the hub's `upload:progress` (what the server has received) matched by upload id.
 */
import type { UploadProgress } from "./types";

export type UploadStatus = "uploading" | "processing" | "done" | "failed";

export interface UploadEntry {
  key: string;
  name: string;
  size: number;
  /** Bytes tus-js-client has sent and the server accepted. */
  sent: number;
  /** The tus upload id, known once the upload is created. */
  uploadId: string | null;
  /** The last `upload:progress` seq applied, so that an older event arriving late is ignored. */
  seq: number;
  status: UploadStatus;
  assetId: string | null;
  error: string | null;
}

export type Uploads = readonly UploadEntry[];

export type UploadEvent =
  | { type: "added"; key: string; name: string; size: number }
  | { type: "created"; key: string; uploadId: string }
  | { type: "progress"; key: string; sent: number }
  | { type: "finished"; key: string; assetId: string | null }
  | { type: "failed"; key: string; error: string }
  | { type: "dismissed"; key: string }
  | { type: "hub"; progress: UploadProgress };

export function reduceUploads(uploads: Uploads, event: UploadEvent): Uploads {
  switch (event.type) {
    case "added":
      return [
        ...uploads,
        { key: event.key, name: event.name, size: event.size, sent: 0, uploadId: null, seq: 0, status: "uploading", assetId: null, error: null },
      ];
    case "created":
      return update(uploads, event.key, () => ({ uploadId: event.uploadId }));
    case "progress":
      return update(uploads, event.key, (entry) => ({ sent: Math.max(entry.sent, Math.min(event.sent, entry.size)) }));
    case "finished":
      return update(uploads, event.key, (entry) => ({ sent: entry.size, status: "processing", assetId: event.assetId }));
    case "failed":
      return update(uploads, event.key, () => ({ status: "failed", error: event.error }));
    case "dismissed":
      return uploads.filter((entry) => entry.key !== event.key);
    case "hub": {
      const { progress } = event;
      const entry = uploads.find((candidate) => candidate.uploadId === progress.uploadId);
      if (!entry || progress.seq <= entry.seq || entry.status !== "uploading") {
        return uploads;
      }
      return update(uploads, entry.key, (found) => ({ seq: progress.seq, sent: Math.max(found.sent, Math.min(progress.received, found.size)) }));
    }
  }
}

/** The asset an upload became reached a final processing state. */
export function settleAsset(uploads: Uploads, assetId: string, failed: boolean): Uploads {
  return uploads.map((entry) =>
    entry.assetId === assetId && entry.status === "processing" ? { ...entry, status: failed ? "failed" : "done", error: failed ? "processing failed" : null } : entry,
  );
}

function update(uploads: Uploads, key: string, change: (entry: UploadEntry) => Partial<UploadEntry>): Uploads {
  return uploads.map((entry) => (entry.key === key ? { ...entry, ...change(entry) } : entry));
}

/** Whole percent sent, 100 for an empty file. */
export function percent(entry: UploadEntry): number {
  return entry.size === 0 ? 100 : Math.floor((entry.sent / entry.size) * 100);
}

/** The tus upload id: the last segment of its URL (`/api/v1/uploads/<id>`). */
export function uploadIdOf(url: string): string {
  const path = url.split("?")[0].replace(/\/+$/, "");
  return path.slice(path.lastIndexOf("/") + 1);
}
