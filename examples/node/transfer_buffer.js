// A worker gets a 1 KiB ArrayBuffer by transfer (the sender's copy is detached) and sends back a
// 2 KiB one the same way; each side prints the size it received.
const { Worker, isMainThread, parentPort } = require("node:worker_threads");

if (isMainThread) {
  const worker = new Worker(__filename, { name: "resizer" });
  worker.on("message", (buf) => {
    console.log(`main got ${buf.byteLength} bytes`);
    worker.terminate();
  });
  const buf = new ArrayBuffer(1024);
  worker.postMessage(buf, [buf]);
  console.log(`main's buffer after sending: ${buf.byteLength} bytes`);
} else {
  parentPort.once("message", (buf) => {
    console.log(`worker got ${buf.byteLength} bytes`);
    const bigger = new ArrayBuffer(2 * buf.byteLength);
    parentPort.postMessage(bigger, [bigger]);
  });
}
