// Atomics.waitAsync: main waits on a shared cell without blocking its event loop (a timer keeps
// ticking meanwhile) until a worker stores 1 and notifies it.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

if (isMainThread) {
  const cells = new Int32Array(new SharedArrayBuffer(4));
  const { async, value } = Atomics.waitAsync(cells, 0, 0);
  console.log("main waits asynchronously:", async);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  value.then((result) => {
    clearInterval(timer);
    console.log("main woken:", result, "cell:", Atomics.load(cells, 0), "event loop ran meanwhile:", ticks > 0);
  });
  new Worker(__filename, { workerData: cells, name: "notifier" });
} else {
  setTimeout(() => {
    Atomics.store(workerData, 0, 1);
    Atomics.notify(workerData, 0, 1);
  }, 100);
}
