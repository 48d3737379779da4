// A parent forks two children and exchanges messages with each over its IPC channel.
const { fork } = require("node:child_process");

if (process.argv[2] === "child") {
  process.on("message", (msg) => {
    if (msg.cmd === "square") process.send({ id: msg.id, result: msg.n * msg.n });
    if (msg.cmd === "bye") process.disconnect();
  });
} else {
  const results = [];
  let pending = 2;
  for (const n of [3, 4]) {
    const child = fork(__filename, ["child"]);
    child.on("message", (reply) => {
      results.push(`child ${reply.id} says ${reply.result}`);
      child.send({ cmd: "bye" });
    });
    child.on("exit", (code) => {
      results.push(`a child exited with ${code}`);
      if (--pending === 0) console.log(results.sort().join("\n"));
    });
    child.send({ cmd: "square", id: n, n });
  }
}
