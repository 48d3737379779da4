// Hangs on purpose: the main thread waits for a reply that the worker never sends.
const { Worker, isMainThread, parentPort } = require("node:worker_threads");

if (isMainThread) {
  const worker = new Worker(__filename, { name: "silent" });
  worker.on("message", (reply) => {
    console.log(`reply: ${reply}`);
    worker.terminate();
  });
  worker.postMessage({ question: "ready?" });
} else {
  parentPort.on("message", (msg) => {
    // Forgets to answer: parentPort.postMessage("yes") is missing.
    void msg;
  });
}
