// Preloaded (node --require) into node_atomics_lock.js for the floor of an exact Node hook on the
// Atomics lock: Atomics.compareExchange, store and notify wrapped by functions that only learn
// their caller's place where the runtime does (an attempt to take a lock, a store that gives it
// back, a notify that woke a waiter): one V8 stack frame each, as the runtime must for every event to
// carry its own line. They record nothing. Worker threads inherit the preload.
"use strict";
function captured(_, frames) {
  return frames;
}
function site(skip) {
  const prep = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  Error.prepareStackTrace = captured;
  Error.stackTraceLimit = 1;
  const holder = {};
  Error.captureStackTrace(holder, skip);
  const s = holder.stack;
  Error.stackTraceLimit = limit;
  Error.prepareStackTrace = prep;
  return s[0].getPosition();
}
const { compareExchange, store, notify } = Atomics;
let sink = 0;
Atomics.compareExchange = function cas(a, i, e, r) {
  // An attempt to take a lock (0 → x): its place is learnt before, as the runtime does, so that the
  // lock, once taken, is held no longer than without a hook.
  if (e === 0 && r !== 0) sink += site(cas);
  return compareExchange(a, i, e, r);
};
Atomics.store = function st(a, i, v) {
  const r = store(a, i, v);
  if (v === 0) sink += site(st); // the lock given back
  return r;
};
Atomics.notify = function nt(a, i, c) {
  const woken = notify(a, i, c);
  if (woken > 0) sink += site(nt); // a notify that woke a waiter: an event with its line
  return woken;
};
process.on("exit", () => {
  if (sink < 0) console.log(sink);
});
