// Hangs on purpose: a worker waits on a shared cell that nobody ever changes or notifies.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

if (isMainThread) {
  const flags = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(__filename, { workerData: flags, name: "waiter" });
  worker.on("exit", () => console.log("worker finished"));
  console.log("main started the waiter");
} else {
  Atomics.wait(workerData, 0, 0);
  console.log("never printed");
}
