// N increments of a shared counter under an Atomics lock (compareExchange + wait/notify), split
// over two worker threads; prints workload_s.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

function lock(cells) {
  while (Atomics.compareExchange(cells, 0, 0, 1) !== 0) Atomics.wait(cells, 0, 1);
}

function unlock(cells) {
  Atomics.store(cells, 0, 0);
  Atomics.notify(cells, 0, 1);
}

if (isMainThread) {
  const n = Number(process.argv[2] || 100000);
  const cells = new Int32Array(new SharedArrayBuffer(8));
  const t0 = process.hrtime.bigint();
  let ended = 0;
  for (let w = 0; w < 2; w++) {
    new Worker(__filename, { workerData: { cells, n: n / 2 } }).on("exit", () => {
      if (++ended < 2) return;
      if (cells[1] !== n) throw new Error(`counter ${cells[1]} != ${n}`);
      console.log(`workload_s ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(4)}`);
    });
  }
} else {
  const { cells, n } = workerData;
  for (let i = 0; i < n; i++) {
    lock(cells);
    cells[1] = cells[1] + 1;
    unlock(cells);
  }
}
