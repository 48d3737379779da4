// extension/pythonEnvironment.ts: the interpreter read from the Python extension's API
// (@vscode/python-extension's types), with API objects shaped as the real extension's.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EnvironmentPath, PythonExtension, ResolvedEnvironment } from "@vscode/python-extension";
import { activeInterpreter, withTimeout } from "../../extension/pythonEnvironment";

type Envs = PythonExtension["environments"];

/** An API whose active environment is `active` (undefined: no choice) and which resolves it with `resolve`. */
function api(active: EnvironmentPath | undefined, resolve: (e: EnvironmentPath | string) => Promise<unknown>): Pick<PythonExtension, "environments"> {
  const environments = {
    getActiveEnvironmentPath: () => active,
    resolveEnvironment: resolve,
  } as unknown as Envs;
  return { environments };
}

const resolved = (exe: string | undefined) => ({ id: "x", path: "/venv", executable: { uri: exe ? { fsPath: exe } : undefined, bitness: "64-bit", sysPrefix: "/venv" } }) as unknown as ResolvedEnvironment;

test("the resolved environment's executable wins over the environment path", async () => {
  const seen: unknown[] = [];
  const a = api({ id: "venv", path: "/work/venv" }, async (e) => {
    seen.push(e);
    return resolved("/work/venv/bin/python");
  });
  assert.equal(await activeInterpreter(a, undefined), "/work/venv/bin/python");
  assert.deepEqual(seen, [{ id: "venv", path: "/work/venv" }], "resolveEnvironment is asked about the active environment path");
});

test("an environment that does not resolve, or has no executable: its path", async () => {
  assert.equal(await activeInterpreter(api({ id: "p", path: "/usr/bin/python3.12" }, async () => undefined), undefined), "/usr/bin/python3.12");
  assert.equal(await activeInterpreter(api({ id: "p", path: "/usr/bin/python3.12" }, async () => resolved(undefined)), undefined), "/usr/bin/python3.12");
});

test("no choice for the resource, or an empty one: undefined (the setting or python3 is used)", async () => {
  let asked = 0;
  assert.equal(await activeInterpreter(api(undefined, async () => (asked++, resolved("/x"))), undefined), undefined);
  assert.equal(asked, 0, "nothing to resolve");
  assert.equal(await activeInterpreter(api({ id: "", path: "" }, async () => undefined), undefined), undefined);
});

test("resolveEnvironment that never answers: the environment path once the budget is spent", async () => {
  const never = new Promise<never>(() => undefined);
  assert.equal(await activeInterpreter(api({ id: "p", path: "/opt/py/bin/python" }, () => never), undefined, 20), "/opt/py/bin/python");
});

test("an API that throws: the error reaches the caller (which logs it and falls back)", async () => {
  const broken = { environments: { getActiveEnvironmentPath: () => { throw new Error("not ready"); } } } as unknown as Pick<PythonExtension, "environments">;
  await assert.rejects(activeInterpreter(broken, undefined), /not ready/);
});

test("withTimeout: the value when in time, undefined when late", async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 1000), 7);
  assert.equal(await withTimeout(new Promise<number>(() => undefined), 10), undefined);
});
