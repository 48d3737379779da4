// A worker that throws, one that exits with a code, and one terminated by the main thread.
const { Worker, isMainThread, workerData } = require("node:worker_threads");

if (isMainThread) {
  const thrower = new Worker(__filename, { workerData: "throw", name: "thrower" });
  thrower.on("error", (err) => console.log(`thrower failed: ${err.message}`));
  thrower.on("exit", (code) => {
    console.log(`thrower exit ${code}`);
    const quitter = new Worker(__filename, { workerData: "exit", name: "quitter" });
    quitter.on("exit", (code) => {
      console.log(`quitter exit ${code}`);
      const spinner = new Worker(__filename, { workerData: "spin", name: "spinner" });
      spinner.on("online", () => spinner.terminate().then((c) => console.log(`spinner terminated: ${c}`)));
    });
  });
} else if (workerData === "throw") {
  throw new Error("worker broke");
} else if (workerData === "exit") {
  process.exit(7);
} else {
  setInterval(() => {}, 1000);
}
