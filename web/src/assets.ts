/**
 * The asset grid kept current by `asset:state` of /files. Such a change carries the row's state,
 * name, type and size, not the asset's metadata and thumbnails: those come only with the whole
 * asset from the API, so a change the list cannot show from the change alone asks for a reload.
 */
import type { Asset } from "./types";

export type AssetChange = Partial<Asset> & { id: string; state: Asset["state"] };

export interface AppliedChange {
  assets: Asset[];
  /** Whether the list must be read again: the asset is not listed yet, or it was just processed. */
  reload: boolean;
}

export function applyAssetChange(assets: Asset[], change: AssetChange): AppliedChange {
  const prior = assets.find((asset) => asset.id === change.id);
  if (!prior) {
    return { assets, reload: true };
  }
  return {
    assets: assets.map((asset) => (asset.id === change.id ? { ...asset, ...change } : asset)),
    // processing made the thumbnails and metadata the change does not carry
    reload: change.state === "processed" && prior.state !== "processed",
  };
}
