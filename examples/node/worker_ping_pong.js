// A main thread and a worker thread play ping-pong over the worker's message channel.
const { Worker, isMainThread, parentPort } = require("node:worker_threads");

if (isMainThread) {
  const worker = new Worker(__filename, { name: "ponger" });
  let round = 0;
  worker.on("message", (msg) => {
    console.log(`main got ${msg}`);
    if (++round < 3) worker.postMessage(`ping ${round}`);
    else worker.postMessage("stop");
  });
  worker.on("exit", (code) => console.log(`worker exited with ${code}`));
  worker.postMessage("ping 0");
} else {
  parentPort.on("message", (msg) => {
    if (msg === "stop") {
      parentPort.close();
      return;
    }
    parentPort.postMessage(msg.replace("ping", "pong"));
  });
}
