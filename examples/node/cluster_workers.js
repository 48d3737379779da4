// cluster: the primary forks two workers; each reports to it and exits.
const cluster = require("node:cluster");

if (cluster.isPrimary) {
  let done = 0;
  const reports = [];
  for (let i = 0; i < 2; i++) {
    const w = cluster.fork({ WORKER_INDEX: String(i) });
    w.on("message", (m) => {
      reports.push(`worker ${m.index} reports ${m.value}`);
      w.send("exit");
    });
    w.on("exit", () => {
      if (++done === 2) console.log(`${reports.sort().join("\n")}\nboth workers exited`);
    });
  }
} else {
  process.on("message", (m) => {
    if (m === "exit") process.exit(0);
  });
  process.send({ index: Number(process.env.WORKER_INDEX), value: Number(process.env.WORKER_INDEX) * 10 });
}
