// Runs the Python runtime's own unittest suite (test/python) on every Python 3.9–3.13 present.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");
const CANDIDATES: [string, string][] = [
  ["3.9", "/root/.pyenv/versions/3.9.18/bin/python3"],
  ["3.10", "/root/.pyenv/versions/3.10.13/bin/python3"],
  ["3.11", "python3"],
  ["3.11 (Debian)", "/usr/bin/python3"],
  ["3.12", "/root/.pyenv/versions/3.12.1/bin/python3"],
  ["3.13", "/root/.pyenv/versions/3.13.0/bin/python3"],
];

for (const [label, py] of CANDIDATES) {
  const present = py === "python3" || existsSync(py);
  test(`runtime unit tests on Python ${label}`, { skip: present ? false : `${py} is not installed here` }, () => {
    const r = spawnSync(py, ["-m", "unittest", "discover", "-s", join(ROOT, "test", "python"), "-v"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `${py} unittest failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /\nOK/);
  });
}
