import { defineConfig } from "vitest/config";
import preact from "@preact/preset-vite";
import { readFileSync } from "node:fs";

/**
 * `npm run dev` serves the app on http://localhost:5173 and proxies the API to a running gateway
 * (SWITCHBOARD_GATEWAY, default http://127.0.0.1:3006); the browser talks to the hub directly on
 * HUB_PORT (default 3007), so start Switchboard with CORS_ORIGINS=http://localhost:5173.
 */
const gateway = process.env.SWITCHBOARD_GATEWAY ?? "http://127.0.0.1:3006";
const hubPort = process.env.HUB_PORT ?? "3007";
const version = (JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string }).version;

export default defineConfig({
  // the app's version, shown by Settings' "about"
  define: { __APP_VERSION__: JSON.stringify(version) },
  plugins: [
    preact(),
    {
      // the gateway writes its hub port into index.html as it serves it; the dev server does the same
      name: "switchboard-hub-port",
      apply: "serve",
      transformIndexHtml: (html) => html.replace("__SWITCHBOARD_HUB_PORT__", hubPort),
    },
  ],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": { target: gateway, changeOrigin: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
