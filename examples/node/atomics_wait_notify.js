// SharedArrayBuffer + Atomics: a worker waits on a cell until the main thread stores and notifies.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

if (isMainThread) {
  const shared = new Int32Array(new SharedArrayBuffer(12));
  const worker = new Worker(__filename, { workerData: shared });
  // Once the worker says it is about to wait, give it the value and wake it.
  const poll = setInterval(() => {
    if (Atomics.load(shared, 2) !== 1) return;
    clearInterval(poll);
    Atomics.store(shared, 0, 42);
    Atomics.notify(shared, 0);
  }, 20);
  worker.on("exit", () => console.log(`worker saw ${Atomics.load(shared, 1)}`));
} else {
  const shared = workerData;
  Atomics.store(shared, 2, 1);
  Atomics.wait(shared, 0, 0);
  Atomics.store(shared, 1, Atomics.load(shared, 0) + 1);
}
