// Installs the locked dependencies (npm ci) of the npm project in the working directory unless its
// node_modules already holds them: npm writes node_modules/.package-lock.json on install, so
// node_modules is up to date when that file is newer than package.json and package-lock.json.
// Run by Maven (exec-maven-plugin, with the npm project as working directory) for every module
// that drives an npm client in its tests.
import { statSync } from "node:fs";
import { spawnSync } from "node:child_process";

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

const installed = mtime("./node_modules/.package-lock.json");
if (installed >= 0 && installed >= mtime("./package.json") && installed >= mtime("./package-lock.json")) {
  process.exit(0);
}
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], {
  cwd: process.cwd(),
  stdio: "inherit",
  shell: process.platform === "win32",
});
process.exit(result.status ?? 1);
