// The main thread terminates the worker the moment the answer arrives, while the worker is still
// inside the callback that sent it (it computes on for two seconds). A terminated worker runs no
// more code: its send must already be on the channel, or the answer would arrive from nowhere.
const { Worker, isMainThread, parentPort } = require("node:worker_threads");

if (isMainThread) {
  const worker = new Worker(__filename, { name: "answerer" });
  worker.on("message", (reply) => {
    console.log(`reply: ${reply}`);
    worker.terminate().then((code) => console.log(`worker terminated (exit code ${code})`));
  });
  worker.postMessage("question");
} else {
  parentPort.on("message", (q) => {
    parentPort.postMessage(`answer to ${q}`);
    const until = Date.now() + 2000;
    while (Date.now() < until); // still in this callback when terminate() comes
  });
}
