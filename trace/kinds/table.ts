/**
 * Every event kind of trace format v1, declared once: its fields and their types, its class,
 * its flags. From this table follow the event types (trace/format.ts), the validator's per-kind
 * checks (trace/validate.ts), the model's kind codes and categories (trace/model/kinds.ts), the
 * fields the fold relies on, and the tables of docs/trace-format.md (`npm run docs:kinds`).
 *
 * Adding a kind is one entry here plus its handler in trace/model/fold/ (the compiler asks for
 * the handler). The order of the entries is the order of the kind codes and of the docs.
 * The common fields (pid, tid, seq, t, obj?, msg?, site?) are in trace/format.ts (EventBase).
 */

import { f, kind, opt } from "./fields";

const obj = (doc?: string) => f.str(doc);
const msg = (doc?: string) => f.str(doc);
const preview = (doc?: string) => f.str(doc);
/** A peer or Manager server outside the run: a process that does not run the runtime, or runs it for another run. */
const OUTSIDE_SEND =
  "true: sent to a process outside the run (a Listener/Client peer or a Manager server started separately); it got the object as it is, and no receipt in the trace pairs with it";
const OUTSIDE_END = "true: the other end is a process outside the run, which records nothing; this end's sends carry `outside`";
const PEER_PID = "the pid of the process at the other end, when the system says (a Unix socket's peer credentials, or a loopback TCP peer's owner)";

export const KINDS = {
  // ------------------------------------------------------------ processes
  "process.start": kind({
    family: "processes",
    class: "process",
    fields: {
      name: f.str(),
      ppid: f.int(),
      role: f.role("`main`, `child`, `pool-worker`, `manager-server`, `forkserver`, `resource-tracker`; Node: `worker` (a worker thread), `cluster-worker`"),
      startMethod: f.strOrNull("string or null; Node: `\"worker\"` for a worker thread"),
      argv: opt(f.strArray("main only")),
      target: opt(f.str("a multiprocessing child's target, `module.qualname`")),
      names: opt(f.strMap("object id → the child's own name for it: the target's parameter (`left`, `jobs[0]`) or a `Process` subclass's attribute (`self.jobs`) holding it")),
      thread: opt(f.int("a Node worker thread: its `threadId`; its `pid` is its lane id, `threadId × 2^22 +` the pid of its process, never a real pid")),
      hostPid: opt(f.int("a Node worker thread: the pid of the process it runs in")),
    },
  }),
  "process.spawn": kind({
    family: "processes",
    class: "process",
    fields: {
      child: f.int("pid"),
      name: f.str(),
      daemon: f.bool(),
      target: opt(f.str("`module.qualname`; Node: the file or command")),
      startMethod: opt(f.str("how the child was started; Node: `spawn`, `worker`")),
      thread: opt(f.int("a Node worker thread's `threadId`; `child` is its lane id")),
    },
    note: "a parent started a child (or a worker thread); without `site` when a library started it (a Pool's or a ProcessPoolExecutor's worker, `target` `multiprocessing.pool.worker` / `concurrent.futures.process._process_worker`; a Manager's server; the fork server, `target` `multiprocessing.forkserver.main`, `daemon` true)",
    relies: ["child"],
  }),
  "process.join": kind({
    family: "processes",
    call: "join()", waitVerb: "join",
    class: "process",
    fields: { child: f.int(), exitCode: f.intOrNull("null if the join timed out; negative: killed by signal −code") },
    note: "without `site` when a library joined the child (a Pool's or an executor's worker): how a worker ended by `terminate()`, which sends no `process.exit`, gets its exit status",
    blocks: true,
    relies: ["child"],
  }),
  "process.terminate": kind({ family: "processes", class: "process", fields: { child: f.int() }, relies: ["child"] }),
  "process.kill": kind({ family: "processes", class: "process", fields: { child: f.int() }, relies: ["child"] }),
  "process.exit": kind({
    family: "processes",
    class: "process",
    fields: { exitCode: f.intOrNull("null if unknown"), signal: opt(f.int("the signal ending the process")), error: opt(f.str('the uncaught error that ended it, `"Name: message"`')) },
    note: "its last event",
  }),

  // ------------------------------------------------------------ queues
  "queue.create": kind({
    family: "queues",
    class: "create",
    fields: {
      obj: obj(),
      objType: f.str("`Queue`, `JoinableQueue`, `SimpleQueue`, `ManagerQueue`, `ThreadQueue`"),
      maxsize: opt(f.int()),
      copyOf: opt(f.str("a thread-only queue seen in another process: the id of the original; this object is that process's private copy")),
      name: opt(f.str("the program's name for it, from the creation site: `q`, `self.jobs`, `forks[0]`, `d['jobs']`; where none is found `Queue #2 (line 14)`")),
    },
    relies: ["objType"],
  }),
  "queue.put": kind({
    family: "queues",
    class: "send",
    fields: { obj: obj(), msg: msg(), preview: preview(), outside: opt(f.bool(OUTSIDE_SEND)), broadcast: opt(f.bool("true: every receiver gets it, e.g. a Node `BroadcastChannel`; each receiver's `queue.get` carries the same `msg`")) },
    blocks: true,
    call: "put()",
    waitVerb: "put on (full)",
    managerCall: { on: ["queue"], methods: ["put"] },
    arrow: "queue",
    bare: ["preview"],
  }),
  "queue.get": kind({
    family: "queues",
    bare: ["preview"],
    call: "get()", waitVerb: "get from",
    managerCall: { on: ["queue"], methods: ["get"] },
    class: "receipt",
    fields: { obj: obj(), msg: opt(msg("absent when put by uninstrumented code")), preview: preview() },
    pairs: "queue.put",
    blocks: true,
  }),
  "queue.poll": kind({
    family: "queues",
    class: "poll",
    fields: { obj: obj(), method: f.str("`empty`, `qsize`, `full`, `get_nowait`, `get`, `put_nowait`, …"), result: f.str(), repeats: f.count() },
    note:
      "non-blocking queries and failed attempts; identical results in a row by one thread are coalesced: an event is written when the result changes, and `repeats` is how many calls returned the previous result (the run this event ends; 0 for the first call)",
  }),
  "queue.task_done": kind({ family: "queues", class: "op", fields: { obj: obj() } }),
  "queue.join": kind({ family: "queues", call: "join()", waitVerb: "join",
    managerCall: { on: ["queue"], methods: ["join"] }, class: "op", fields: { obj: obj() }, blocks: true }),
  "queue.close": kind({ family: "queues", class: "op", fields: { obj: obj() } }),
  "queue.feeder_error": kind({
    family: "queues",
    class: "op",
    fields: { obj: obj(), msg: opt(msg("the item that could not be sent")), error: opt(f.str()) },
    pairs: "queue.put",
    internal: true,
  }),

  // ------------------------------------------------------------ pipes
  "pipe.create": kind({
    family: "pipes",
    class: "create",
    fields: {
      obj: obj("pipe id"),
      ends: f.strPair("`[end0, end1]`, each its own object id; one-way pipes: end0 receives, end1 sends"),
      duplex: f.bool(),
      listener: opt(f.str("a connection accepted by a `multiprocessing.connection.Listener`: its address; end0 is the accepting side's, end1 the client's, which may be in a process started separately, or not recorded")),
      endNames: opt(f.strPair("the program's names for the two ends: `a, b = Pipe()` → `a`, `b`")),
      outside: opt(f.bool(OUTSIDE_END)),
      peerPid: opt(f.int(PEER_PID)),
      names: opt(f.strMap("object id → the recording process's own name for it, where it binds an object made elsewhere: the accepting side's end (`conn = listener.accept()` → `conn`) and the listener (`listener:<address>` → `listener`)")),
    },
    relies: ["ends"],
  }),
  "pipe.connect": kind({
    family: "pipes",
    class: "op",
    fields: {
      obj: obj("the client's end (`pipe.create`'s end1)"),
      pipe: f.str("the connection's id (`pipe.create`'s `obj`, recorded by the accepting side)"),
      listener: f.str("the address connected to"),
      outside: opt(f.bool(OUTSIDE_END)),
      peerPid: opt(f.int(PEER_PID)),
      names: opt(f.strMap("object id → the recording process's own name for it, where it binds an object made elsewhere: the client's end (`conn = Client(address)` → `conn`)")),
    },
    note: "`multiprocessing.connection.Client` connected to a `Listener`: recorded by the client",
  }),
  "pipe.send": kind({
    family: "pipes",
    bare: ["preview"], bareDefaults: { bytes: false },
    arrow: "pipe",
    call: "send()", waitVerb: "send on",
    class: "send",
    fields: { obj: obj("the sending end"), msg: msg(), preview: preview(), bytes: f.bool("true for `send_bytes`"), outside: opt(f.bool(OUTSIDE_SEND)) },
    note: "arrives at the other end",
    blocks: true,
  }),
  "pipe.recv": kind({
    family: "pipes",
    bare: ["preview"], bareDefaults: { bytes: false },
    call: "recv()", waitVerb: "recv on",
    class: "receipt",
    fields: { obj: obj("the receiving end"), msg: opt(msg("absent for raw bytes: pair first-in-first-out")), preview: preview(), bytes: f.bool() },
    pairs: "pipe.send",
    blocks: true,
  }),
  "pipe.poll": kind({
    family: "pipes",
    class: "poll",
    fields: { obj: obj(), method: opt(f.str("`poll`, …; `wait`: `connection.wait()` with timeout 0, on its first object, `result` the ids that were ready")), result: f.str(), repeats: f.count() },
  }),
  "pipe.close": kind({
    family: "pipes",
    class: "op",
    fields: {
      obj: obj("`pipe.eof`: a recv found the other end closed, EOFError"),
      error: opt(f.str('a connection refused while being made (`obj` `listener:<address>`), e.g. `"AuthenticationError: digest received was wrong"`')),
    },
  }),
  "pipe.eof": kind({ family: "pipes", class: "op", fields: { obj: obj("`pipe.eof`: a recv found the other end closed, EOFError") } }),
  "conn.wait": kind({
    family: "pipes",
    call: "connection.wait()", waitVerb: "wait for any of",
    class: "op",
    fields: {
      obj: obj("the first object waited on"),
      objects: f.strArray("every object waited on, in the program's order: a connection end's id, `proc:<pid>` for a process's sentinel, `fd:<n>` for anything else (a socket, a descriptor, a connection the runtime does not trace)"),
      ready: f.strArray("those that were ready when it returned (empty: its timeout ran out)"),
    },
    note: "`multiprocessing.connection.wait()` on several objects, or on one that is not a traced connection end (one traced end: a blocking `pipe.recv`); when it would block, a `block.begin`/`block.end` span with `op` `conn.wait` and `objects` comes first",
    blocks: true,
  }),

  // ------------------------------------------------------------ synchronisation
  "sync.create": kind({
    family: "sync",
    class: "create",
    fields: {
      obj: obj(),
      objType: f.str("`Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`, `Condition`, `Event`, `Barrier`; Manager ones prefixed `Manager`"),
      value: opt(f.num("semaphore initial value, barrier parties")),
      lock: opt(f.str("a Condition's lock")),
      owner: opt(f.str("the implicit lock of a shared Value/Array: that object's id")),
      name: opt(f.str()),
    },
    relies: ["objType"],
  }),
  "lock.acquire": kind({
    family: "sync",
    call: "acquire()", waitVerb: "acquire",
    managerCall: { on: ["lock", "condition"], methods: ["acquire"] },
    class: "lock",
    fields: {
      obj: obj(),
      ok: f.bool("false: timed out / non-blocking attempt failed"),
      depth: opt(f.int("RLock depth after the call")),
      via: opt(f.str('`"cond.wait"` when the re-acquire ends a Condition wait')),
    },
    blocks: true,
  }),
  "lock.release": kind({ family: "sync", class: "lock", fields: { obj: obj(), depth: opt(f.int()), via: opt(f.str()) } }),
  "cond.wait": kind({ family: "sync", call: "wait()", waitVerb: "wait on",
    managerCall: { on: ["condition"], methods: ["wait", "wait_for"] }, class: "op", fields: { obj: obj(), ok: f.bool("false: timed out / predicate still false") }, blocks: true }),
  "cond.notify": kind({
    family: "sync",
    class: "op",
    fields: { obj: obj(), n: f.intOrAll('number asked to wake, or `"all"`'), woken: opt(f.int("Node `Atomics.notify`: how many waiters it woke (its return value)")) },
    note: "Node `Atomics.notify` (recorded when it woke someone): `msg` is the notification's id (`an<pid>.<n>`, unique in the run); the `block.end` of every wait it ended carries the same `msg`, so the view draws an arrow from the notifying thread to each thread it woke",
  }),
  "event.set": kind({ family: "sync", class: "op", fields: { obj: obj() } }),
  "event.clear": kind({ family: "sync", class: "op", fields: { obj: obj() } }),
  "event.wait": kind({ family: "sync", call: "wait()", waitVerb: "wait on",
    managerCall: { on: ["event"], methods: ["wait"] }, class: "op", fields: { obj: obj(), ok: f.bool() }, blocks: true }),
  "event.poll": kind({ family: "sync", class: "poll", fields: { obj: obj(), result: f.str(), repeats: f.count("`is_set()` calls, coalesced") } }),
  "barrier.wait": kind({ family: "sync", call: "wait()", waitVerb: "wait at",
    managerCall: { on: ["barrier"], methods: ["wait"] }, class: "op", fields: { obj: obj(), index: f.intOrNull("arrival index; null if the barrier broke") }, blocks: true }),
  "barrier.abort": kind({ family: "sync", class: "op", fields: { obj: obj() } }),
  "barrier.reset": kind({ family: "sync", class: "op", fields: { obj: obj() } }),
  "atomics.wait": kind({ family: "sync", call: "Atomics.wait()", waitVerb: "Atomics.wait on",
    class: "op", fields: { obj: obj("a shared cell, `<SharedArrayBuffer id>[<i32 index>]`"), value: f.str("the expected value") }, blocks: true,
    note: "Node: a wait on a SharedArrayBuffer cell; runtimes record it as a `block.begin`/`block.end` span with `op` `atomics.wait` (and `value`)" }),
  "atomics.waitAsync": kind({ family: "sync", call: "Atomics.waitAsync()", waitVerb: "Atomics.waitAsync on",
    class: "op", fields: { obj: obj(), value: f.str("the expected value") }, blocks: true,
    note: "Node: the same for `Atomics.waitAsync` (the thread itself goes on)" }),
  "message.wait": kind({ family: "sync", call: "its event loop", waitVerb: "idle: waiting for a message on",
    class: "op", fields: { obj: obj("`lane:<pid>`"), resources: f.strArray("what keeps the event loop alive, `process.getActiveResourcesInfo()` names") }, blocks: true,
    note: "Node: the thread's event loop has nothing left but the program's own ports, workers and children; recorded as a `block.begin`/`block.end` span with `op` `message.wait`" }),

  // ------------------------------------------------------------ shared values
  "value.create": kind({
    family: "values",
    class: "create",
    fields: {
      obj: obj(),
      objType: f.str("`Value`, `Array` (with `lock=False`: no `lock`), `RawValue`, `RawArray`, `ManagerValue`, `ManagerArray`, `SharedMemory`, `ShareableList`"),
      ctype: f.str("typecode or ctype name; `bytes`, `list` for shared memory"),
      length: opt(f.int("arrays; bytes of a SharedMemory block; items of a ShareableList")),
      lock: opt(f.str("id of its lock; absent without one")),
      preview: preview(),
      name: opt(f.str()),
    },
    relies: ["objType"],
  }),
  "value.read": kind({
    family: "values",
    bare: ["value"],
    class: "value",
    fields: { obj: obj(), index: opt(f.intOrStr('element index, `"start:stop"` slice, `"raw"`, `"i.field"` for a field of an Array of Structures; absent for a Value')), value: f.str() },
  }),
  "value.write": kind({
    family: "values",
    bare: ["old", "value"],
    class: "value",
    fields: {
      obj: obj(),
      index: opt(f.intOrStr()),
      old: opt(f.str("absent where the writer cannot know it, e.g. a Manager Value")),
      value: f.str(),
    },
  }),

  // ------------------------------------------------------------ managers
  "manager.start": kind({
    family: "managers",
    class: "create",
    fields: { obj: obj("manager id"), serverPid: f.int(), address: f.str(), name: opt(f.str()) },
    relies: ["serverPid"],
  }),
  "proxy.create": kind({
    family: "managers",
    class: "create",
    fields: {
      obj: obj("the shared object's id: the Manager's id and the object's address in its server, which a later object may reuse once the first is freed — a later `proxy.create` of the same id describes that object, its type and name, from then on"),
      manager: f.str(),
      objType: f.str("`dict`, `list`, `Namespace`, `Queue`, `Lock`, `Value`, …"),
      value: opt(f.num("Semaphore initial value, Barrier parties")),
      preview: opt(f.str("initial value of a Manager Value")),
      name: opt(f.str()),
      names: opt(f.strMap("object id → the recording process's own name for it, where it binds an object made elsewhere: a Manager this process connected to (`m = BaseManager(address=…)`; `m.connect()` → `m`)")),
    },
    relies: ["objType"],
  }),
  "mgr.call": kind({
    family: "managers",
    arrow: "mgr-call",
    waitVerb: "Manager call on",
    class: "send",
    fields: { obj: obj(), msg: msg("pairs with the server's `mgr.recv`"), method: f.str(), preview: preview("the arguments"), outside: opt(f.bool(OUTSIDE_SEND)) },
    note: "client side",
    blocks: true,
    relies: ["method"],
  }),
  "mgr.recv": kind({
    family: "managers",
    class: "receipt",
    fields: { obj: opt(obj()), msg: msg(), method: f.str() },
    note: "server side",
    pairs: "mgr.call",
  }),
  "mgr.reply": kind({
    family: "managers",
    arrow: "mgr-reply",
    class: "send",
    fields: { msg: msg("pairs with the client's `mgr.return`"), ok: f.bool() },
    note: "server side",
  }),
  "mgr.return": kind({
    family: "managers",
    class: "receipt",
    fields: { obj: obj(), msg: opt(msg("absent when the server is outside the run (its `mgr.call` has `outside`)")), ok: f.bool(), preview: preview("the result or the error") },
    note: "client side",
    pairs: "mgr.reply",
  }),
  "ns.get": kind({ family: "managers", class: "op", fields: { obj: obj(), attr: f.str(), value: opt(f.str()) }, note: "Namespace attributes", relies: ["attr"] }),
  "ns.set": kind({ family: "managers", class: "op", fields: { obj: obj(), attr: f.str(), value: opt(f.str()) }, note: "Namespace attributes", relies: ["attr"] }),
  "ns.del": kind({ family: "managers", class: "op", fields: { obj: obj(), attr: f.str(), value: opt(f.str()) }, note: "Namespace attributes", relies: ["attr"] }),
  "ns.local_change": kind({
    family: "managers",
    class: "op",
    fields: { obj: obj(), attr: f.str(), before: f.str(), after: f.str() },
    note: "a mutable value obtained with `ns.get` (or a dict/list item) changed locally without being written back: the change is lost for everyone else",
    relies: ["attr"],
  }),
  "proxy.op": kind({
    family: "managers",
    class: "op",
    fields: { obj: obj(), method: f.str(), args: f.str(), result: f.str(), ok: f.bool(), names: opt(f.strMap("object id → the recording process's own name for it, where it binds an object made elsewhere: a shared memory block attached by name (`shm = SharedMemory(name=…)` → `shm`)")) },
    note: "any other proxy operation; on a shared memory block (`obj` `Vshm:<name>`): `attach`, `close`, `unlink`",
    relies: ["method"],
  }),

  // ------------------------------------------------------------ pools
  "pool.create": kind({
    family: "pools",
    class: "create",
    fields: { obj: obj(), processes: f.int(), name: opt(f.str()) },
    note: "a `multiprocessing.Pool` or a `concurrent.futures.ProcessPoolExecutor` (recorded with the same kinds)",
  }),
  "pool.submit": kind({
    family: "pools",
    class: "op",
    fields: { obj: obj(), job: f.str(), method: f.str("`apply`, `apply_async`, `map`, `imap`, `starmap`, …; an executor: `submit`, or `map` (one job per `map()` call, its chunks the tasks)"), func: f.str(), tasks: opt(f.int("number of chunks")), name: opt(f.str("the program's name for the job's future (`fut = ex.submit(…)` → `fut`)")) },
    relies: ["job"],
  }),
  "pool.task.send": kind({
    family: "pools",
    arrow: "pool-task",
    class: "send",
    fields: { obj: obj(), job: f.str(), index: f.int("chunk"), msg: msg("pairs with `pool.task.recv`"), func: f.str(), preview: preview() },
    note: "owner side",
    internal: true,
    relies: ["job"],
  }),
  "pool.task.recv": kind({
    family: "pools",
    class: "receipt",
    fields: { obj: obj(), job: f.str(), index: f.int(), msg: opt(msg()), func: f.str(), names: opt(f.strMap("object id → the task function's parameter holding it")) },
    note: "a worker took the task",
    pairs: "pool.task.send",
    relies: ["job"],
  }),
  "pool.result.send": kind({
    family: "pools",
    arrow: "pool-result",
    class: "send",
    fields: { obj: obj(), job: f.str(), index: f.int(), msg: msg("pairs with `pool.result.recv`"), ok: f.bool(), preview: preview() },
    note: "worker side",
    relies: ["job"],
  }),
  "pool.result.recv": kind({
    family: "pools",
    class: "receipt",
    fields: { obj: obj(), job: f.str(), index: f.int(), msg: opt(msg()), ok: f.bool() },
    note: "owner side (an executor's task that could not be pickled: `ok` false, no `msg`: no worker saw it)",
    pairs: "pool.result.send",
    internal: true,
    relies: ["job"],
  }),
  "pool.get": kind({
    family: "pools",
    call: "get()", waitVerb: "result of",
    class: "op",
    fields: { obj: obj(), job: f.str(), ok: f.bool(), preview: preview() },
    note: "user code got the job's result (or its error; an executor's future: `Future.result()`; an executor's map: each chunk's results as its iterator yields them, one `pool.get` per chunk)",
    blocks: true,
    relies: ["job"],
  }),
  "pool.close": kind({ family: "pools", class: "op", fields: { obj: obj() } }),
  "pool.terminate": kind({ family: "pools", class: "op", fields: { obj: obj() } }),
  "pool.join": kind({ family: "pools", call: "join()", waitVerb: "join", class: "op", fields: { obj: obj() }, blocks: true }),

  // ------------------------------------------------------------ blocking
  "block.begin": kind({
    family: "blocking",
    class: "block",
    fields: {
      op: f.blockOp(),
      obj: obj("what it waits on; `proc:<pid>` for a join"),
      timeout: opt(f.num("seconds")),
      objects: opt(f.strArray("`conn.wait`: every object waited on (as the `conn.wait` event's); the wait ends when any of them is ready")),
    },
    relies: ["op"],
  }),
  "block.end": kind({
    family: "blocking",
    class: "unblock",
    fields: { op: f.blockOp(), obj: obj(), outcome: f.outcome("`ok`, `timeout`, `error`"), error: opt(f.str('e.g. `"EOFError"`')), result: opt(f.str('Node `Atomics.wait`: what it returned, `"ok"` or `"timed-out"`')) },
    note: "a wait (`op` `atomics.wait`, `atomics.waitAsync`, or `lock.acquire` on an Atomics lock) that an `Atomics.notify` ended has that notify's `msg` (its `cond.notify`'s); only with `outcome` `ok`",
    relies: ["op"],
  }),

  // ------------------------------------------------------------ stacks
  "process.stacks": kind({
    family: "processes",
    class: "meta",
    fields: {
      request: f.int("the `stacks.request` answered"),
      threads: f.threads("every thread: `tid`, `name`, `main`, `state`, `frames`, `userFrame`, `call?`, `spin?`, `os?`, `waitsOn?` (see Stacks)"),
      error: opt(f.str("the snapshot failed; `threads` is empty")),
    },
    note: "the process's answer to a `stacks.request`: where each of its threads is (not the program's activity)",
    internal: true,
  }),

  // ------------------------------------------------------------ collector events (src: "collector", no seq)
  "process.disconnect": kind({
    family: "collector",
    class: "process",
    fields: { clean: f.bool("boolean") },
    note: "the process's event connection closed; `clean` when it had sent `process.exit` first (unclean: it died, e.g. killed or `os._exit` without flushing); `t` is when the process ended: its `process.exit`'s `t` when clean, else when the collector saw the connection close",
  }),
  "events.lost": kind({
    family: "collector",
    class: "meta",
    fields: { fromSeq: f.count("integer ≥ 0"), count: f.int("integer") },
    note: "the process's sequence numbers jumped: `count` events from `fromSeq` are missing (also written when the collector dropped an invalid event)",
  }),
  "run.exit": kind({
    family: "collector",
    class: "meta",
    fields: { exitCode: f.intOrNull("integer or null"), signal: f.strOrNull('string or null, e.g. `"SIGTERM"`'), timedOut: f.bool("boolean") },
    note: "the main process ended, as the launcher saw it; `pid` is the main process",
  }),
  "stacks.request": kind({
    family: "collector",
    class: "meta",
    fields: {
      request: f.int("integer, unique in the run"),
      reason: f.reason('`"hang"` or `"request"`'),
      pids: f.intArray("the processes asked"),
      starting: opt(f.intArray("processes the run started (a `process.spawn`) that are alive and have not connected yet: still starting, not asked")),
      startingCpu: opt(f.intArray("the CPU time (clock ticks) each of `starting` had used so far, in the same order (-1: unknown)")),
      startingBusy: opt(f.intArray("those of `starting` the OS had running or in a disk wait (state `R` or `D`)")),
      graceNs: opt(f.count("a hang check's request: its grace period (ns), after which nothing recorded counts as idle; readers judge the snapshot with it (a child may start for ten grace periods)")),
    },
    note: "the collector asked every connected process for its stacks (see Stacks); `pid` is the main process",
  }),
  "stacks.missing": kind({
    family: "collector",
    class: "meta",
    fields: {
      request: f.int("integer"),
      state: f.strOrNull("its OS state letter when the wait ended; null: gone"),
      cpuTicks: f.intOrNull("CPU clock ticks it used meanwhile; null: unknown"),
      waitedMs: f.int("integer"),
    },
    note: "a process asked for its stacks did not answer within the wait (e.g. it holds the GIL)",
  }),
  "run.orphaned": kind({
    family: "collector",
    class: "meta",
    fields: { recorderPid: f.int("integer"), ended: f.count("integer ≥ 0") },
    note: "the process that recorded the run (the VS Code extension host or `ipcviz run`, pid `recorderPid`) ended while the run was not over (killed, crashed); the run's watchdog then ended `ended` processes of the run. Written by the watchdog, not the collector: the last line, after whatever the collector had written (a line it had cut off is ended first and counts as a bad line); the trace has no footer. `pid` is the main process. Readers show every process still running at that point as ended there",
  }),
};

/** Every event kind. */
export type Kind = keyof typeof KINDS;
/** Kinds the collector writes itself (family "collector"). */
export type CollectorKind = { [K in Kind]: (typeof KINDS)[K]["family"] extends "collector" ? K : never }[Kind];
/** Kinds runtimes write. */
export type RuntimeKind = Exclude<Kind, CollectorKind>;
/** Kinds that can block: the values of `block.begin`'s `op`. */
export type BlockOp = { [K in Kind]: (typeof KINDS)[K] extends { blocks: true } ? K : never }[Kind];

/** Every kind, in table order. */
export const KIND_LIST: readonly Kind[] = Object.keys(KINDS) as Kind[];
