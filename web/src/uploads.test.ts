import { describe, expect, it } from "vitest";
import { percent, reduceUploads, settleAsset, uploadIdOf, type UploadEvent, type Uploads } from "./uploads";

function run(events: UploadEvent[], start: Uploads = []): Uploads {
  return events.reduce(reduceUploads, start);
}

describe("upload bookkeeping", () => {
  it("follows one file from added to processing, never past its size", () => {
    const uploads = run([
      { type: "added", key: "u1", name: "cat.jpg", size: 1000 },
      { type: "created", key: "u1", uploadId: "abc" },
      { type: "progress", key: "u1", sent: 400 },
    ]);
    expect(uploads[0]).toMatchObject({ uploadId: "abc", sent: 400, status: "uploading" });
    expect(percent(uploads[0])).toBe(40);
    const done = run([{ type: "progress", key: "u1", sent: 5000 }, { type: "finished", key: "u1", assetId: "asset-1" }], uploads);
    expect(done[0]).toMatchObject({ sent: 1000, status: "processing", assetId: "asset-1" });
    expect(percent(done[0])).toBe(100);
  });

  it("never moves progress backwards (a retry reports from an earlier offset)", () => {
    const uploads = run([
      { type: "added", key: "u1", name: "a", size: 100 },
      { type: "progress", key: "u1", sent: 60 },
      { type: "progress", key: "u1", sent: 20 },
    ]);
    expect(uploads[0].sent).toBe(60);
  });

  it("applies the hub's progress by upload id in seq order and ignores a late, older event", () => {
    const start = run([
      { type: "added", key: "u1", name: "a", size: 100 },
      { type: "added", key: "u2", name: "b", size: 100 },
      { type: "created", key: "u2", uploadId: "xyz" },
    ]);
    const after = run(
      [
        { type: "hub", progress: { uploadId: "xyz", name: "b", received: 70, total: 100, seq: 3 } },
        { type: "hub", progress: { uploadId: "xyz", name: "b", received: 50, total: 100, seq: 2 } },
        { type: "hub", progress: { uploadId: "other", name: "c", received: 99, total: 100, seq: 9 } },
      ],
      start,
    );
    expect(after.map((entry) => [entry.key, entry.sent, entry.seq])).toEqual([
      ["u1", 0, 0],
      ["u2", 70, 3],
    ]);
  });

  it("marks a failure with its message, settles processing by asset state, and dismisses", () => {
    const failed = run([
      { type: "added", key: "u1", name: "a", size: 10 },
      { type: "failed", key: "u1", error: "413: too large" },
    ]);
    expect(failed[0]).toMatchObject({ status: "failed", error: "413: too large" });
    const processing = run([
      { type: "added", key: "u2", name: "b", size: 10 },
      { type: "finished", key: "u2", assetId: "a2" },
    ]);
    expect(settleAsset(processing, "a2", false)[0].status).toBe("done");
    expect(settleAsset(processing, "a2", true)[0]).toMatchObject({ status: "failed", error: "processing failed" });
    expect(settleAsset(processing, "other", false)).toEqual(processing);
    expect(run([{ type: "dismissed", key: "u1" }], failed)).toEqual([]);
  });

  it("counts an empty file as complete and reads the upload id from its URL", () => {
    expect(percent(run([{ type: "added", key: "u", name: "empty", size: 0 }])[0])).toBe(100);
    expect(uploadIdOf("http://127.0.0.1:3006/api/v1/uploads/0f3a9c")).toBe("0f3a9c");
    expect(uploadIdOf("/api/v1/uploads/0f3a9c/")).toBe("0f3a9c");
  });
});
