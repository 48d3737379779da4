/**
 * The interpreter of the environment the Python extension has chosen for a file, read through the
 * extension's public API as `@vscode/python-extension` types it (environments.getActiveEnvironmentPath,
 * then resolveEnvironment). Pure: it takes the API object, imports no `vscode` (unit-tested in
 * test/unit/pythonEnvironment.test.ts); extension/interpreter.ts obtains the API.
 */

import type { EnvironmentPath, PythonExtension, Resource } from "@vscode/python-extension";

/** A promise's value, or undefined when it takes longer than `ms`. */
export function withTimeout<T>(p: PromiseLike<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), ms);
  });
  return Promise.race([Promise.resolve(p), late]).finally(() => clearTimeout(timer));
}

/**
 * The executable of the active environment for `resource`: the resolved environment's executable,
 * else the environment path the extension reports (an interpreter path when it cannot resolve
 * it), else undefined (no choice made, or the environment did not resolve within `resolveMs`).
 */
export async function activeInterpreter(api: Pick<PythonExtension, "environments">, resource: Resource | undefined, resolveMs = 10_000): Promise<string | undefined> {
  // Typed as always present, but an extension that has no choice for the resource gives undefined.
  const envPath = api.environments.getActiveEnvironmentPath(resource) as EnvironmentPath | undefined;
  if (!envPath) return undefined;
  const env = await withTimeout(api.environments.resolveEnvironment(envPath), resolveMs);
  return env?.executable.uri?.fsPath || envPath.path || undefined;
}
