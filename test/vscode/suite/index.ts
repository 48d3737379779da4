/**
 * The integration suite's entry (the `@vscode/test-electron` contract): a CommonJS module whose
 * `run()` runs the mocha suites in the real extension host and resolves when all pass.
 * Placeholder until the suites exist.
 */
export async function run(): Promise<void> {
  throw new Error("no integration suites yet");
}
