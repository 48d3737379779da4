/**
 * Colours of the view come only from VS Code theme variables. Locks get a colour each, in the
 * order they first appear, from a palette of chart and terminal colours; message classes get a
 * colour and a dash pattern each so arrows of different kinds stay apart. Pure: no DOM.
 */

import type { KindDecl } from "../../trace/kinds/fields";
import { KINDS } from "../../trace/kinds/table";

/** Theme variables used as the per-lock palette (order matters: most distinct first). */
export const LOCK_PALETTE_VARS: readonly string[] = [
  "--vscode-charts-orange",
  "--vscode-charts-purple",
  "--vscode-charts-green",
  "--vscode-charts-yellow",
  "--vscode-terminal-ansiCyan",
  "--vscode-terminal-ansiMagenta",
  "--vscode-charts-red",
  "--vscode-terminal-ansiBrightGreen",
  "--vscode-terminal-ansiBrightYellow",
  "--vscode-terminal-ansiBrightMagenta",
  "--vscode-terminal-ansiBrightCyan",
  "--vscode-terminal-ansiBrightRed",
];

/**
 * Theme variables of the per-channel palette: each queue, pipe, Manager and Pool gets its own
 * colour for its arrows (in order of first message), so two queues' arrows differ; the dash
 * pattern still tells the kind of message.
 */
export const CHANNEL_PALETTE_VARS: readonly string[] = [
  "--vscode-charts-blue",
  "--vscode-charts-green",
  "--vscode-charts-purple",
  "--vscode-charts-orange",
  "--vscode-terminal-ansiCyan",
  "--vscode-charts-yellow",
  "--vscode-terminal-ansiMagenta",
  "--vscode-charts-red",
  "--vscode-terminal-ansiBrightBlue",
  "--vscode-terminal-ansiBrightGreen",
  "--vscode-terminal-ansiBrightMagenta",
  "--vscode-terminal-ansiBrightCyan",
];

/** Assigns each message channel (a queue, a pipe, a Manager, a Pool) a stable colour, in order of its first message. */
export class ChannelColours {
  private readonly slots = new Map<string, number>();
  /** Channel ids in order of first appearance. */
  readonly ids: string[] = [];
  /** The arrow class of each channel's first message (for its legend row's dash). */
  readonly classes: ArrowClass[] = [];

  slot(id: string, cls: ArrowClass): number {
    let s = this.slots.get(id);
    if (s === undefined) {
      s = this.ids.length;
      this.slots.set(id, s);
      this.ids.push(id);
      this.classes.push(cls);
    }
    return s;
  }

  /** Theme variable of a slot (−1: the message class's own colour is used instead). */
  static varOf(slot: number): string {
    return CHANNEL_PALETTE_VARS[slot % CHANNEL_PALETTE_VARS.length];
  }

  clear(): void {
    this.slots.clear();
    this.ids.length = 0;
    this.classes.length = 0;
  }
}

/** Message classes drawn as arrows. */
export type ArrowClass = NonNullable<KindDecl["arrow"]> | "wake";

/** The last, `wake`, is not a message: an `Atomics.notify` to each wait it ended (the model's wake pairs). */
export const ARROW_CLASSES: readonly ArrowClass[] = ["queue", "pipe", "mgr-call", "mgr-reply", "pool-task", "pool-result", "wake"];

/** Class of a message by its send kind (null: not a send), as the table of kinds declares it. */
export function arrowClassOf(sendKind: string): ArrowClass | null {
  return (KINDS as Record<string, KindDecl>)[sendKind]?.arrow ?? null;
}

/** Legend text and style of each arrow class. */
export const ARROW_STYLE: Record<ArrowClass, { label: string; colorVar: string; dash: number[] }> = {
  queue: { label: "Queue put → get", colorVar: "--vscode-charts-blue", dash: [] },
  pipe: { label: "Pipe send → recv", colorVar: "--vscode-charts-green", dash: [6, 3] },
  "mgr-call": { label: "Manager call → server", colorVar: "--vscode-charts-purple", dash: [2, 3] },
  "mgr-reply": { label: "Manager reply → caller", colorVar: "--vscode-charts-purple", dash: [8, 3, 2, 3] },
  "pool-task": { label: "Pool task → worker", colorVar: "--vscode-charts-orange", dash: [] },
  "pool-result": { label: "Pool result → owner", colorVar: "--vscode-charts-yellow", dash: [4, 2] },
  wake: { label: "Atomics.notify → the waits it woke", colorVar: "--vscode-charts-red", dash: [1, 3] },
};

/** The colour of an arrow: its channel's (a queue's, a pipe's, …), else its class's. */
export function arrowColourVar(cls: ArrowClass, channel: number): string {
  return channel >= 0 ? ChannelColours.varOf(channel) : ARROW_STYLE[cls].colorVar;
}

/** Assigns each lock a stable palette slot, in order of first appearance. */
export class LockColours {
  private readonly slots = new Map<string, number>();
  /** Lock ids in order of first appearance. */
  readonly ids: string[] = [];

  /** Slot of a lock (assigned on first sight). */
  slot(id: string): number {
    let s = this.slots.get(id);
    if (s === undefined) {
      s = this.ids.length;
      this.slots.set(id, s);
      this.ids.push(id);
    }
    return s;
  }

  /** Theme variable for a slot. */
  static varOf(slot: number): string {
    return LOCK_PALETTE_VARS[slot % LOCK_PALETTE_VARS.length];
  }

  clear(): void {
    this.slots.clear();
    this.ids.length = 0;
  }
}
