// Hangs on purpose: two workers take two Atomics locks in opposite orders.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

function lock(cells, i) {
  while (Atomics.compareExchange(cells, i, 0, 1) !== 0) Atomics.wait(cells, i, 1);
}

function unlock(cells, i) {
  Atomics.store(cells, i, 0);
  Atomics.notify(cells, i, 1);
}

if (isMainThread) {
  const cells = new Int32Array(new SharedArrayBuffer(12));
  new Worker(__filename, { workerData: { cells, first: 0, second: 1 }, name: "a-then-b" });
  new Worker(__filename, { workerData: { cells, first: 1, second: 0 }, name: "b-then-a" });
} else {
  const { cells, first, second } = workerData;
  lock(cells, first);
  // Both hold their first lock before either asks for its second.
  Atomics.add(cells, 2, 1);
  while (Atomics.load(cells, 2) < 2) Atomics.wait(cells, 2, Atomics.load(cells, 2), 10);
  lock(cells, second);
  console.log("never printed");
  unlock(cells, second);
  unlock(cells, first);
}
