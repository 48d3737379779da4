// A BroadcastChannel: the main thread announces to two workers at once.
const { Worker, BroadcastChannel, isMainThread, workerData } = require("node:worker_threads");

if (isMainThread) {
  const bc = new BroadcastChannel("news");
  let ready = 0;
  const heard = [];
  let exited = 0;
  const workers = [0, 1].map((i) => new Worker(__filename, { workerData: i }));
  for (const w of workers) {
    w.on("message", (m) => {
      if (m !== "ready") heard.push(m);
      else if (++ready === workers.length) {
        bc.postMessage("hello, workers");
        bc.close();
      }
    });
    w.on("exit", () => {
      if (++exited === workers.length) console.log(heard.sort().join("\n"));
    });
  }
} else {
  const bc = new BroadcastChannel("news");
  bc.onmessage = (e) => {
    require("node:worker_threads").parentPort.postMessage(`worker ${workerData} heard: ${e.data}`);
    bc.close();
  };
  require("node:worker_threads").parentPort.postMessage("ready");
}
