// A semaphore with one permit, built on Atomics: a worker takes it, then takes it again before
// giving it back. It waits for a permit only it could return, and main waits for the worker.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

function acquire(cells) {
  for (;;) {
    const n = Atomics.load(cells, 0);
    if (n > 0 && Atomics.compareExchange(cells, 0, n, n - 1) === n) return;
    if (n === 0) Atomics.wait(cells, 0, 0);
  }
}

function release(cells) {
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0, 1);
}

if (isMainThread) {
  const cells = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(cells, 0, 1);
  new Worker(__filename, { workerData: cells, name: "greedy" }).on("exit", () => console.log("worker done"));
} else {
  const cells = workerData;
  acquire(cells);
  console.log("took the permit");
  acquire(cells); // the permit is this worker's own: nobody gives it back
  release(cells);
  release(cells);
}
