/**
 * Node's words for the objects of a Node trace (docs/node-runtime.md): a worker's channel and
 * `parentPort`, a `MessageChannel`'s ports, a fork's IPC channel, a `BroadcastChannel`, a
 * `SharedArrayBuffer`, one of its cells, an Atomics lock or semaphore, an idle event loop. Pure; null for any
 * other id (a Python trace's ids never match).
 */

const LANE_SHIFT = 4194304;

/** "thread 2 of pid 15731" for a worker thread's lane id, else "pid <n>". */
export function laneIdText(pid: number): string {
  return pid >= LANE_SHIFT ? `thread ${Math.floor(pid / LANE_SHIFT)} of pid ${pid % LANE_SHIFT}` : `pid ${pid}`;
}

/**
 * What a Node program built on a shared cell with Atomics is, by its id (the Node runtime names
 * them `Lsab…` and `Ssab…`, docs/node-runtime.md): "lock", "semaphore", or null for any other id.
 * The one place that reads those ids (labels here, the fix text, the wait analysis).
 */
export function atomicsSyncOf(id: string): "lock" | "semaphore" | null {
  return ATOMICS_SYNC.test(id) ? (id[0] === "L" ? "lock" : "semaphore") : null;
}
const ATOMICS_SYNC = /^[LS]sab\d+\.\d+(?:\[\d+\]|@\d+)$/;

export function nodeObjectLabel(id: string): string | null {
  let m: RegExpExecArray | null;
  if ((m = /^w(\d+):([pc])$/.exec(id))) return m[2] === "p" ? `Worker ${laneIdText(Number(m[1]))} (its port in the parent)` : `parentPort of ${laneIdText(Number(m[1]))}`;
  if ((m = /^pipe:w(\d+)$/.exec(id))) return `worker channel of ${laneIdText(Number(m[1]))}`;
  if ((m = /^mc(\d+\.\d+):([12])$/.exec(id))) return `MessagePort port${m[2]} of MessageChannel mc${m[1]}`;
  if ((m = /^pipe:mc(\d+\.\d+)$/.exec(id))) return `MessageChannel mc${m[1]}`;
  if ((m = /^ipc(\d+):([pc])$/.exec(id))) return m[2] === "p" ? `IPC channel of child ${m[1]} (parent side)` : `IPC channel of child ${m[1]} (process.send side)`;
  if ((m = /^pipe:ipc(\d+)$/.exec(id))) return `IPC channel of child ${m[1]}`;
  if ((m = /^bc:(.*)$/.exec(id))) return `BroadcastChannel ${JSON.stringify(m[1])}`;
  const sync = atomicsSyncOf(id);
  if (sync !== null) return `Atomics ${sync} at ${id.slice(1)}`;
  if ((m = /^sab(\d+\.\d+)(\[\d+\]|@\d+)$/.exec(id))) return `shared cell sab${m[1]}${m[2]}`;
  if ((m = /^sab(\d+\.\d+)$/.exec(id))) return `SharedArrayBuffer sab${m[1]}`;
  if ((m = /^lane:(\d+)$/.exec(id))) return `the event loop of ${laneIdText(Number(m[1]))}`;
  return null;
}
