// A lock built on Atomics.compareExchange + wait/notify; two workers increment a shared counter under it.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

const UNLOCKED = 0;
const LOCKED = 1;

function lock(cells) {
  while (Atomics.compareExchange(cells, 0, UNLOCKED, LOCKED) !== UNLOCKED) Atomics.wait(cells, 0, LOCKED);
}

function unlock(cells) {
  Atomics.store(cells, 0, UNLOCKED);
  Atomics.notify(cells, 0, 1);
}

if (isMainThread) {
  const cells = new Int32Array(new SharedArrayBuffer(8));
  let exited = 0;
  for (let i = 0; i < 2; i++) {
    new Worker(__filename, { workerData: cells }).on("exit", () => {
      if (++exited === 2) console.log(`counter ${cells[1]}`);
    });
  }
} else {
  const cells = workerData;
  for (let i = 0; i < 50; i++) {
    lock(cells);
    cells[1] = cells[1] + 1;
    unlock(cells);
  }
}
