/**
 * Which processes of a debugged program are paused, and where: the bookkeeping behind the view's
 * "paused at file:line" (webview/protocol.ts DebugStateMessage). One debug session per process
 * (debugpy starts a child session for every subprocess); a session's process id comes from
 * debugpy's `process` event (`systemProcessId`) or from a child configuration's `subProcessId`.
 * debugpy pauses and continues a whole process at once (every thread), so the state is per
 * process. Fed from DAP messages as a DebugAdapterTracker sees them; pure (no `vscode` import).
 */

/** Where and why a process is paused. */
export interface PausedProcess {
  pid: number;
  /** Source of the frame shown (the first frame of the user's code), or null when unknown yet. */
  file: string | null;
  line: number | null;
  /** DAP `stopped` reason: "breakpoint", "step", "pause", "exception", "entry", … */
  reason: string;
}

/** What is known about one debug session. */
interface SessionState {
  pid: number | null;
  /** Thread ids seen (from `thread` and `stopped` events), newest last. */
  threads: number[];
  paused: { threadId: number | null; reason: string; file: string | null; line: number | null; stamp: number } | null;
  ended: boolean;
}

/** A frame as DAP's stackTrace response gives it (the fields used here). */
export interface DapFrame {
  name?: string;
  line?: number;
  source?: { path?: string; presentationHint?: string };
  presentationHint?: string;
}

/** DAP requests that set a stopped process running. */
const RESUMING = new Set(["continue", "next", "stepIn", "stepOut", "stepBack", "reverseContinue", "goto", "restartFrame"]);

/** See the file comment. Every method returns true when the paused set changed. */
export class PausedState {
  private readonly sessions = new Map<string, SessionState>();
  private stamp = 0;

  private session(id: string): SessionState {
    let s = this.sessions.get(id);
    if (!s) this.sessions.set(id, (s = { pid: null, threads: [], paused: null, ended: false }));
    return s;
  }

  /** A session started; `subProcessId` from a child configuration when there is one. */
  sessionStarted(sessionId: string, subProcessId?: number | null): boolean {
    const s = this.session(sessionId);
    if (typeof subProcessId === "number" && s.pid === null) s.pid = subProcessId;
    return false;
  }

  /** The pid of a session (null until known). */
  pidOf(sessionId: string): number | null {
    return this.sessions.get(sessionId)?.pid ?? null;
  }

  /** The live session debugging `pid`, if any. */
  sessionOf(pid: number): string | null {
    for (const [id, s] of this.sessions) if (s.pid === pid && !s.ended) return id;
    return null;
  }

  /** A thread id of the process debugged by `sessionId` (the paused one first, then the first seen). */
  threadOf(sessionId: string): number | null {
    const s = this.sessions.get(sessionId);
    if (!s) return null;
    return s.paused?.threadId ?? s.threads[0] ?? null;
  }

  isPaused(pid: number): boolean {
    const id = this.sessionOf(pid);
    return id !== null && this.sessions.get(id)!.paused !== null;
  }

  /**
   * A message the adapter sent (event or response). `request` is the request a response answers
   * (the tracker keeps them by seq). Returns true when the paused set changed.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DAP messages as VS Code hands them to a tracker (typed any there): their shape depends on the command
  fromAdapter(sessionId: string, m: { type?: string; event?: string; command?: string; success?: boolean; body?: any }, request?: { command?: string; arguments?: any }): boolean {
    const s = this.session(sessionId);
    if (m.type === "event") {
      const b = m.body ?? {};
      switch (m.event) {
        case "process":
          if (typeof b.systemProcessId === "number") {
            const was = s.pid;
            s.pid = b.systemProcessId;
            return was !== s.pid && s.paused !== null;
          }
          return false;
        case "thread":
          if (typeof b.threadId === "number") {
            if (b.reason === "exited") s.threads = s.threads.filter((t) => t !== b.threadId);
            else if (!s.threads.includes(b.threadId)) s.threads.push(b.threadId);
          }
          return false;
        case "stopped": {
          const threadId = typeof b.threadId === "number" ? b.threadId : null;
          if (threadId !== null && !s.threads.includes(threadId)) s.threads.push(threadId);
          s.paused = { threadId, reason: String(b.reason ?? "pause"), file: null, line: null, stamp: ++this.stamp };
          return s.pid !== null;
        }
        case "continued":
          return this.resume(s);
        case "exited":
        case "terminated":
          s.ended = true;
          return this.resume(s);
        default:
          return false;
      }
    }
    if (m.type === "response" && m.success && RESUMING.has(m.command ?? request?.command ?? "")) return this.resume(s);
    return false;
  }

  /** The session ended (the adapter exited, or VS Code ended it). */
  sessionEnded(sessionId: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s) return false;
    s.ended = true;
    return this.resume(s);
  }

  /**
   * The stack of the paused thread arrived: place the pause at the first frame of the user's code
   * (frames debugpy marks "subtle"/"deemphasize" are library code), else the top frame. `stamp`
   * is {@link pauseStamp} from when the stack was asked for: a stack of an older pause is ignored.
   */
  location(sessionId: string, stamp: number, frames: readonly DapFrame[]): boolean {
    const s = this.sessions.get(sessionId);
    if (!s?.paused || s.paused.stamp !== stamp) return false;
    const f = pickFrame(frames);
    if (!f) return false;
    s.paused.file = f.source?.path ? sourcePath(f.source.path) : null;
    s.paused.line = typeof f.line === "number" ? f.line : null;
    return s.pid !== null;
  }

  /** Identifies the current pause of a session (for {@link location}), or null when it runs. */
  pauseStamp(sessionId: string): number | null {
    return this.sessions.get(sessionId)?.paused?.stamp ?? null;
  }

  /** The paused thread of a session, or null. */
  pausedThread(sessionId: string): number | null {
    return this.sessions.get(sessionId)?.paused?.threadId ?? null;
  }

  /** The paused processes, by pid (what DebugStateMessage carries). */
  paused(): PausedProcess[] {
    const out: PausedProcess[] = [];
    for (const s of this.sessions.values()) {
      if (s.pid === null || !s.paused || s.ended) continue;
      out.push({ pid: s.pid, file: s.paused.file, line: s.paused.line, reason: s.paused.reason });
    }
    return out.sort((a, b) => a.pid - b.pid);
  }

  /** Pids of paused processes. */
  pausedPids(): Set<number> {
    return new Set(this.paused().map((p) => p.pid));
  }

  private resume(s: SessionState): boolean {
    if (!s.paused) return false;
    s.paused = null;
    return s.pid !== null;
  }
}

/**
 * A frame's source as a file path: VS Code hands stackTrace responses to extensions with paths
 * turned into URIs when the window is remote (`vscode-remote://host/abs/path`, code-server).
 */
export function sourcePath(p: string): string {
  const m = /^(file|vscode-remote):\/\/[^/]*(\/.*)$/.exec(p);
  if (!m) return p;
  try {
    return decodeURIComponent(m[2]);
  } catch {
    return m[2];
  }
}

/** The frame to show for a pause: the first with a source that is not library code, else the first with a source. */
export function pickFrame(frames: readonly DapFrame[]): DapFrame | null {
  const withSource = frames.filter((f) => f.source?.path);
  const lib = (f: DapFrame) => ["subtle", "deemphasize"].includes(f.source?.presentationHint ?? "") || f.presentationHint === "subtle" || f.presentationHint === "label";
  return withSource.find((f) => !lib(f)) ?? withSource[0] ?? null;
}
