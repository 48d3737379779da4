// A counting semaphore built on Atomics: a permit is taken with compareExchange(n -> n - 1) and
// given back with add + notify. Three workers share two permits, so at most two are inside at once.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

const PERMITS = 0; // cells[0]: permits left
const INSIDE = 1; // cells[1]: workers inside now
const TOO_MANY = 2; // cells[2]: set if ever more than two were inside

function acquire(cells) {
  for (;;) {
    const n = Atomics.load(cells, PERMITS);
    if (n > 0 && Atomics.compareExchange(cells, PERMITS, n, n - 1) === n) return;
    if (n === 0) Atomics.wait(cells, PERMITS, 0);
  }
}

function release(cells) {
  Atomics.add(cells, PERMITS, 1);
  Atomics.notify(cells, PERMITS, 1);
}

if (isMainThread) {
  const cells = new Int32Array(new SharedArrayBuffer(12));
  Atomics.store(cells, PERMITS, 2);
  let exited = 0;
  for (let i = 0; i < 3; i++) {
    new Worker(__filename, { workerData: cells }).on("exit", () => {
      if (++exited < 3) return;
      console.log(Atomics.load(cells, TOO_MANY) ? "more than two inside at once" : "never more than two inside");
      console.log(`${Atomics.load(cells, PERMITS)} permits left`);
    });
  }
} else {
  const cells = workerData;
  for (let i = 0; i < 20; i++) {
    acquire(cells);
    if (Atomics.add(cells, INSIDE, 1) + 1 > 2) Atomics.store(cells, TOO_MANY, 1);
    for (let k = 0; k < 20000; k++); // work while holding a permit
    Atomics.sub(cells, INSIDE, 1);
    release(cells);
  }
}
