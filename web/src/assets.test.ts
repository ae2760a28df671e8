import { describe, expect, it } from "vitest";
import { applyAssetChange } from "./assets";
import type { Asset } from "./types";

function asset(state: Asset["state"], thumbnails: Asset["thumbnails"] = []): Asset {
  return { id: "a1", name: "cat.png", state, mediaType: null, size: 10, sha256: "", metadata: {}, thumbnails, reason: null, createdAt: "2026-12-05T00:00:00Z" };
}

describe("asset:state changes", () => {
  it("reads the list again when an asset listed before processing is processed (its thumbnails come only from the API)", () => {
    const applied = applyAssetChange([asset("processing")], { id: "a1", name: "cat.png", state: "processed", mediaType: "image/png", size: 10 });
    expect(applied.reload).toBe(true);
    expect(applied.assets[0]).toMatchObject({ state: "processed", mediaType: "image/png", thumbnails: [] });
  });

  it("reads the list again for an asset it does not hold yet", () => {
    const applied = applyAssetChange([], { id: "a1", state: "uploaded" });
    expect(applied).toEqual({ assets: [], reload: true });
  });

  it("updates the row in place for any other change, keeping what the change does not carry", () => {
    const thumbnails = [{ size: 256, width: 256, height: 192, mediaType: "image/webp" }];
    const confirmed = applyAssetChange([asset("processed", thumbnails)], { id: "a1", state: "confirmed" });
    expect(confirmed.reload).toBe(false);
    expect(confirmed.assets[0]).toMatchObject({ state: "confirmed", thumbnails });
    const failed = applyAssetChange([asset("processing")], { id: "a1", state: "failed", reason: "too large" });
    expect(failed).toMatchObject({ reload: false, assets: [{ state: "failed", reason: "too large" }] });
  });
});
