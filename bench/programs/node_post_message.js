// N postMessage round trips between two worker threads over a MessageChannel; prints workload_s.
const { Worker, MessageChannel, isMainThread, parentPort, workerData } = require("node:worker_threads");

if (isMainThread) {
  const n = Number(process.argv[2] || 100000);
  const t0 = process.hrtime.bigint();
  const { port1, port2 } = new MessageChannel();
  const a = new Worker(__filename, { workerData: { role: "pinger", n, port: port1 }, transferList: [port1] });
  const b = new Worker(__filename, { workerData: { role: "ponger", n, port: port2 }, transferList: [port2] });
  let ended = 0;
  const done = () => {
    if (++ended === 2) console.log(`workload_s ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(4)}`);
  };
  a.on("exit", done);
  b.on("exit", done);
} else {
  const { role, n, port } = workerData;
  let i = 0;
  port.on("message", (m) => {
    if (role === "ponger") {
      port.postMessage(m);
      if (++i === n) port.close();
    } else if (++i < n) port.postMessage(i);
    else port.close();
  });
  if (role === "pinger") port.postMessage(0);
}
