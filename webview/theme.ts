/**
 * Theme colours for canvas drawing: the `--vscode-*` variables as computed on the page, re-read
 * when VS Code changes the theme (it swaps the body's classes and the html element's style) or
 * the system's colour scheme changes (standalone page).
 */

/** Which kind of theme is active. */
export type ThemeKind = "dark" | "light" | "high-contrast" | "high-contrast-light";

export class Theme {
  private cache = new Map<string, string>();
  private readonly observer: MutationObserver;
  private readonly media: MediaQueryList | null;
  private readonly onMedia = () => this.changed();
  kind: ThemeKind = "dark";

  constructor(private readonly onChange: () => void) {
    this.observer = new MutationObserver(() => this.changed());
    this.observer.observe(document.body, { attributes: true, attributeFilter: ["class"] });
    this.observer.observe(document.documentElement, { attributes: true, attributeFilter: ["style", "class"] });
    this.media = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: light)") : null;
    this.media?.addEventListener("change", this.onMedia);
    this.kind = this.detectKind();
  }

  private detectKind(): ThemeKind {
    const c = document.body.classList;
    if (c.contains("vscode-high-contrast-light")) return "high-contrast-light";
    if (c.contains("vscode-high-contrast")) return "high-contrast";
    if (c.contains("vscode-light")) return "light";
    if (c.contains("vscode-dark")) return "dark";
    return this.media?.matches ? "light" : "dark";
  }

  private changed(): void {
    this.cache.clear();
    this.kind = this.detectKind();
    this.onChange();
  }

  /** The value of a CSS variable (e.g. "--vscode-charts-blue"), with a fallback. */
  get(name: string, fallback = "#888888"): string {
    let v = this.cache.get(name);
    if (v === undefined) {
      v = getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
      this.cache.set(name, v);
    }
    return v;
  }

  dispose(): void {
    this.observer.disconnect();
    this.media?.removeEventListener("change", this.onMedia);
  }
}
