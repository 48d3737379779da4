// A program run with a virtualenv's interpreter (and a sitecustomize in the venv's site-packages)
// is recorded under every start method, and behaves as it does without ipcviz.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");
const CLI = join(ROOT, "bin", "ipcviz.js");

const PROGRAM = `
import multiprocessing as mp
import helper_pkg

def child(q):
    q.put(helper_pkg.greeting())

if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=child, args=(q,))
    p.start()
    print("got", q.get(), flush=True)
    p.join()
`;

test("a virtualenv's interpreter, its packages and its own sitecustomize keep working", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-venv-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const venv = join(dir, "venv");
  const mk = spawnSync("python3", ["-m", "venv", "--without-pip", venv], { encoding: "utf8" });
  if (mk.status !== 0) {
    t.skip(`python3 -m venv is not available here: ${mk.stderr.trim()}`);
    return;
  }
  const lib = readdirSync(join(venv, "lib")).find((n) => n.startsWith("python3"));
  const site = lib ? join(venv, "lib", lib, "site-packages") : undefined;
  assert.ok(site, "the venv has a site-packages folder");
  writeFileSync(join(site!, "helper_pkg.py"), "def greeting():\n    return 'hello from the venv'\n");
  writeFileSync(join(site!, "sitecustomize.py"), "import os\nos.environ['VENV_SITECUSTOMIZE_RAN'] = '1'\n");
  const prog = join(dir, "prog.py");
  writeFileSync(prog, PROGRAM + "    import os; print('venv sitecustomize ran:', os.environ.get('VENV_SITECUSTOMIZE_RAN'))\n");
  const py = join(venv, "bin", "python");
  const plain = spawnSync(py, [prog], { encoding: "utf8", timeout: 60_000 });
  assert.equal(plain.status, 0, plain.stderr);
  for (const method of ["fork", "spawn", "forkserver"]) {
    const out = join(dir, `${method}.ipcviz.jsonl`);
    const r = spawnSync(process.execPath, [CLI, "run", "--python", py, "--start-method", method, "--out", out, "--timeout", "60", "--", prog], {
      encoding: "utf8",
      timeout: 90_000,
    });
    assert.equal(r.status, 0, `${method}: ${r.stderr}`);
    assert.equal(r.stdout, plain.stdout, `${method}: stdout differs`);
    const events = readFileSync(out, "utf8").trim().split("\n").slice(1).map((l) => JSON.parse(l));
    const puts = events.filter((e) => e.kind === "queue.put");
    const gets = events.filter((e) => e.kind === "queue.get");
    assert.equal(puts.length, 1, `${method}: one queue.put`);
    assert.equal(gets.length, 1, `${method}: one queue.get`);
    assert.equal(gets[0].msg, puts[0].msg, `${method}: the get pairs with the put`);
    assert.equal(puts[0].preview, "'hello from the venv'");
    assert.ok(puts[0].site.file.endsWith("prog.py"), `${method}: the call site is the program's line, not the venv package's`);
  }
});
