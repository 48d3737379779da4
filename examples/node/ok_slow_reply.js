// No hang: the worker answers after a 1.5 s timer, so the quiet time is a timer wait, not a hang.
const { Worker, isMainThread, parentPort } = require("node:worker_threads");

if (isMainThread) {
  const worker = new Worker(__filename, { name: "slow" });
  worker.on("message", (reply) => {
    console.log(`reply: ${reply}`);
    worker.terminate();
  });
  worker.postMessage("question");
} else {
  parentPort.on("message", () => {
    setTimeout(() => parentPort.postMessage("answer"), 1500);
  });
}
