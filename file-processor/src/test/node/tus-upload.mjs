// Uploads one file with the unmodified npm tus-js-client, as a browser or Node app would, and
// reports what happened as JSON lines on stdout (see TusClientTest). With ABORT_AT (a fraction of
// the file) it aborts the upload once that much was sent, then starts the same upload again, which
// resumes from the offset the server holds.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Upload } from "tus-js-client";

const report = (event) => process.stdout.write(JSON.stringify(event) + "\n");
const { ENDPOINT, FILE, FILE_TYPE, ABORT_AT, CHUNK_SIZE } = process.env;
setTimeout(() => {
  report({ event: "error", message: "timed out" });
  process.exit(2);
}, Number(process.env.DRIVER_TIMEOUT_MS ?? 60000)).unref();

const bytes = readFileSync(FILE);
const abortAt = ABORT_AT ? Number(ABORT_AT) * bytes.length : Infinity;
let aborted = false;

const upload = new Upload(bytes, {
  endpoint: ENDPOINT,
  chunkSize: CHUNK_SIZE ? Number(CHUNK_SIZE) : Infinity,
  retryDelays: [0, 200, 500, 1000, 2000],
  metadata: { filename: basename(FILE), filetype: FILE_TYPE ?? "application/octet-stream" },
  onBeforeRequest(req) {
    if (req.getMethod() === "PATCH") {
      report({ event: "patch", offset: Number(req.getHeader("Upload-Offset")) });
    }
  },
  onProgress(sent, total) {
    if (!aborted && sent >= abortAt) {
      aborted = true;
      upload.abort().then(() => {
        report({ event: "aborted", sent, total });
        setTimeout(() => upload.start(), 300);
      });
    }
  },
  onSuccess({ lastResponse }) {
    report({
      event: "success",
      url: upload.url,
      assetId: lastResponse.getHeader("Switchboard-Asset-Id") ?? null,
    });
    process.exit(0);
  },
  onError(error) {
    report({ event: "error", message: String(error) });
    process.exit(1);
  },
});
upload.start();
