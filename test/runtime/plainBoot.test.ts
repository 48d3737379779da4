/**
 * The plain boot (test/fixtures/plain-boot/sitecustomize.py) that reference runs use: on every
 * Python present it makes IPCVIZ_PLAIN_START_METHOD the default start method without setting
 * it (a program's own set_start_method still works), children use it, and the next
 * sitecustomize on sys.path still runs (Debian's own, or a user's).
 */

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runPlain, selectedMethods, selectedPythons } from "./helpers";

const PROBE = `
import multiprocessing as mp, sys

def child(q):
    q.put(mp.get_start_method())

if __name__ == "__main__":
    if len(sys.argv) > 1:
        mp.set_start_method(sys.argv[1])
    q = mp.Queue()
    p = mp.Process(target=child, args=(q,))
    p.start()
    print(mp.get_start_method(), q.get(), sys.modules["sitecustomize"].__file__)
    p.join()
`;

describe("plain boot (reference runs)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-plainboot-"));
  const probe = join(dir, "probe.py");
  writeFileSync(probe, PROBE);
  const userSite = join(dir, "user_site");
  const userSc = join(userSite, "sitecustomize.py");
  mkdirSync(userSite);
  writeFileSync(userSc, "MARK = 1\n");

  for (const py of selectedPythons()) {
    describe(`Python ${py.label}`, () => {
      for (const m of selectedMethods()) {
        test(`default start method ${m}`, { skip: py.path === null ? py.missing : false }, async () => {
          const r = await runPlain(py.path!, m, probe, { timeoutSec: 30 });
          assert.equal(r.status, 0, r.stderr);
          const [main, child, sc] = r.stdout.trim().split(" ");
          assert.equal(main, m);
          assert.equal(child, m);
          // Debian's python has its own sitecustomize: it must still be the one loaded last.
          if (py.label === "debian") assert.match(sc, /^\/usr\/lib\/python3\.\d+\/sitecustomize\.py$/);
          else assert.match(sc, /plain-boot\/sitecustomize\.py$/);
        });
      }
      test("the program's own set_start_method still works", { skip: py.path === null ? py.missing : false }, async () => {
        const r = await runPlain(py.path!, "spawn", probe, { timeoutSec: 30, args: ["fork"] });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split(" ").slice(0, 2), ["fork", "fork"]);
      });
      test("a user's sitecustomize after it on PYTHONPATH still runs", { skip: py.path === null ? py.missing : false }, async () => {
        const r = await runPlain(py.path!, "fork", probe, { timeoutSec: 30, env: { PYTHONPATH: userSite } });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim().split(" ")[2], userSc);
      });
    });
  }

  test("cleanup", () => rmSync(dir, { recursive: true, force: true }));
});
