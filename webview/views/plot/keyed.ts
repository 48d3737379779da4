/**
 * Keyed SVG elements that remember what was set on them: an item that stays in view keeps its
 * element, and only the attributes, styles and text whose value changed are written again (each
 * DOM write invalidates style and paint; a pan moves positions and nothing else).
 */

import { SVG_NS } from "./frame";

/** What was last set on an element (attributes, styles, text, the item drawn): set only what changed. */
export type Memo = Record<string, unknown>;
const MEMO = Symbol("ipcviz.memo");

export function memo(el: Element): Memo {
  const o = el as unknown as { [MEMO]?: Memo };
  return (o[MEMO] ??= Object.create(null) as Memo);
}

/** Set an attribute (null: remove it) unless it already has this value. */
export function setAttr(el: Element, name: string, v: string | number | null): void {
  const m = memo(el);
  if (m[name] === v && name in m) return;
  m[name] = v;
  if (v === null) el.removeAttribute(name);
  else el.setAttribute(name, typeof v === "string" ? v : String(v));
}

/** Set a style property through the CSSOM (null: remove it) unless it already has this value. */
export function setStyle(el: SVGElement, name: string, v: string | null): void {
  const m = memo(el);
  const k = STYLE_KEY[name] ?? (STYLE_KEY[name] = "style " + name);
  if (m[k] === v && k in m) return;
  m[k] = v;
  if (v === null) el.style.removeProperty(name);
  else el.style.setProperty(name, v);
}

/** The memo's key of each style property (made once). */
const STYLE_KEY: Record<string, string> = Object.create(null) as Record<string, string>;

/** Set the text unless it already is this. */
export function setText(el: Element, v: string): void {
  const m = memo(el);
  if (m["#text"] === v) return;
  m["#text"] = v;
  el.textContent = v;
}

export interface KeyedEl {
  el: SVGElement;
  kids: SVGElement[];
}

/**
 * The elements of one layer keyed by item: an item staying in view keeps its element (so only
 * changed attributes are set), new items get new elements, items gone lose theirs.
 */
export class Keyed {
  private live = new Map<number, KeyedEl>();
  private spare = new Map<number, KeyedEl>();

  /**
   * `tag` of each item's element, `kids` as "tag.class" (with attributes "tag.class attr=value …")
   * made inside it; `ordered`: keep the elements in the items' order.
   */
  constructor(
    private readonly parent: SVGGElement,
    private readonly tag: string,
    private readonly kids: string[],
    private readonly ordered = false,
  ) {}

  update<D>(items: readonly D[], key: (d: D) => number, apply: (e: KeyedEl, d: D, fresh: boolean) => void): void {
    const old = this.live;
    const next = this.spare;
    for (const d of items) {
      const k = key(d);
      let e = old.get(k);
      let fresh = false;
      if (e) old.delete(k);
      else if (next.has(k)) continue; // the same item twice: drawn once
      else {
        const el = document.createElementNS(SVG_NS, this.tag) as SVGElement;
        const kids = this.kids.map((spec) => {
          const [tc, ...attrs] = spec.split(" ");
          const [t, c] = tc.split(".");
          const kid = document.createElementNS(SVG_NS, t) as SVGElement;
          kid.setAttribute("class", c);
          for (const a of attrs) {
            const eq = a.indexOf("=");
            kid.setAttribute(a.slice(0, eq), a.slice(eq + 1));
          }
          el.appendChild(kid);
          return kid;
        });
        e = { el, kids };
        fresh = true;
        this.parent.appendChild(el);
      }
      next.set(k, e);
      apply(e, d, fresh);
    }
    for (const e of old.values()) e.el.remove();
    old.clear();
    this.live = next;
    this.spare = old;
    if (this.ordered) {
      // Keep the elements in the items' order (lanes: the DOM order is the lane order).
      let prev: Element | null = null;
      for (const e of next.values()) {
        const want: Element | null = prev ? prev.nextElementSibling : this.parent.firstElementChild;
        if (want !== e.el) this.parent.insertBefore(e.el, want);
        prev = e.el;
      }
    }
  }

  /** Remove every element. */
  clear(): void {
    if (this.live.size === 0) return;
    for (const e of this.live.values()) e.el.remove();
    this.live.clear();
  }
}
