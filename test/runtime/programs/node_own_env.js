// A program that gives its children and workers their own execArgv and env: they are still recorded.
const { fork } = require("node:child_process");
const { Worker, isMainThread, parentPort } = require("node:worker_threads");

if (process.argv[2] === "child") {
  process.send("child here");
} else if (!isMainThread) {
  parentPort.postMessage("worker here");
} else {
  const child = fork(__filename, ["child"], { execArgv: [], env: { PATH: process.env.PATH } });
  child.on("message", (m) => {
    console.log(m);
    const w = new Worker(__filename, { execArgv: [], env: {} });
    w.on("message", (m2) => console.log(m2));
  });
}
