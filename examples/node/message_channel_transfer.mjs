// Two workers talk directly over a MessageChannel whose ports the main thread hands them.
import { Worker, MessageChannel, isMainThread, parentPort, workerData } from "node:worker_threads";
import { fileURLToPath } from "node:url";

if (isMainThread) {
  const file = fileURLToPath(import.meta.url);
  const { port1, port2 } = new MessageChannel();
  const producer = new Worker(file, { workerData: { role: "producer" }, name: "producer" });
  const consumer = new Worker(file, { workerData: { role: "consumer" }, name: "consumer" });
  producer.postMessage({ port: port1 }, [port1]);
  consumer.postMessage({ port: port2 }, [port2]);
  consumer.on("message", (total) => console.log(`consumer total ${total}`));
} else if (workerData.role === "producer") {
  parentPort.once("message", ({ port }) => {
    for (let i = 1; i <= 3; i++) port.postMessage(i);
    port.postMessage("end");
    port.close();
    parentPort.close();
  });
} else {
  parentPort.once("message", ({ port }) => {
    let total = 0;
    port.on("message", (m) => {
      if (m === "end") {
        parentPort.postMessage(total);
        port.close();
        parentPort.close();
      } else total += m;
    });
  });
}
