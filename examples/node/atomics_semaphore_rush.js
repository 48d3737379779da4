// Eight workers released at once each take one permit of a semaphore of eight (compareExchange
// n -> n - 1), hold it a moment, and give it back (add + notify). Their first takings race:
// the semaphore is still made once, with the eight permits it had before any was taken.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

const PERMITS = 0; // cells[0]: permits left
const READY = 1; // cells[1]: workers waiting at the start line
const GO = 2; // cells[2]: 1 once the main thread lets them go
const WORKERS = 8;

function take(cells) {
  for (;;) {
    const n = Atomics.load(cells, PERMITS);
    if (n > 0 && Atomics.compareExchange(cells, PERMITS, n, n - 1) === n) return;
    if (n === 0) Atomics.wait(cells, PERMITS, 0);
  }
}

if (isMainThread) {
  const cells = new Int32Array(new SharedArrayBuffer(12));
  Atomics.store(cells, PERMITS, WORKERS);
  let exited = 0;
  for (let i = 0; i < WORKERS; i++) {
    new Worker(__filename, { workerData: cells }).on("exit", () => {
      if (++exited === WORKERS) console.log(`${Atomics.load(cells, PERMITS)} permits left`);
    });
  }
  // Let them go together once all of them are at the start line.
  const start = setInterval(() => {
    if (Atomics.load(cells, READY) < WORKERS) return;
    clearInterval(start);
    Atomics.store(cells, GO, 1);
    Atomics.notify(cells, GO);
  }, 1);
} else {
  const cells = workerData;
  Atomics.add(cells, READY, 1);
  Atomics.wait(cells, GO, 0);
  take(cells);
  for (let k = 0; k < 100000; k++); // work while holding the permit
  Atomics.add(cells, PERMITS, 1);
  Atomics.notify(cells, PERMITS, 1);
}
