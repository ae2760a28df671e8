/** The app's version (package.json's), written in by vite.config.ts's `define`. */
declare const __APP_VERSION__: string;
