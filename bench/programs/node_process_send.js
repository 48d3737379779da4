// N process.send round trips between a parent and a forked child; prints workload_s.
const { fork } = require("node:child_process");

if (process.argv[2] === "child") {
  process.on("message", (m) => {
    if (m === -1) process.disconnect();
    else process.send(m);
  });
} else {
  const n = Number(process.argv[2] || 100000);
  const t0 = process.hrtime.bigint();
  const child = fork(__filename, ["child"]);
  let i = 0;
  child.on("message", () => {
    if (++i < n) child.send(i);
    else child.send(-1);
  });
  child.on("exit", () => console.log(`workload_s ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(4)}`));
  child.send(0);
}
