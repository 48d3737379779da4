/**
 * Headless Chromium for the browser tiers (view, workbench): Debian's /usr/bin/chromium driven by
 * playwright-core (never a browser downloaded by a tool: that fails offline). Every launch gets a
 * fresh profile directory, removed on close.
 */

import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where Chromium is expected (IPCVIZ_CHROMIUM overrides). */
export function chromiumPath(): string | null {
  const p = process.env.IPCVIZ_CHROMIUM ?? "/usr/bin/chromium";
  return existsSync(p) ? p : null;
}

/** Flags that keep headless Chromium quiet and working on a machine without a network. */
export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface Chromium {
  context: BrowserContext;
  /** Close the browser and remove its profile. */
  close(): Promise<void>;
}

/** Start headless Chromium with a fresh profile; throws a clear error when it is not installed. */
export async function launchChromium(options: { width?: number; height?: number; extraArgs?: string[] } = {}): Promise<Chromium> {
  const exe = chromiumPath();
  if (!exe) {
    throw new Error("Chromium not found at /usr/bin/chromium: install it (`apt-get install chromium`, done by .ci/run) or set IPCVIZ_CHROMIUM");
  }
  const profile = mkdtempSync(join(tmpdir(), "ipcviz-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
  });
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}
