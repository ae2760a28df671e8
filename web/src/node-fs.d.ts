/** The one Node API a unit test uses (contrast.test.ts reads styles.css), without all of @types/node. */
declare module "node:fs" {
  export function readFileSync(path: URL, encoding: "utf8"): string;
}
