// TypeScript run by Node's own type stripping (Node 22.18+, or 22.6+ with --experimental-strip-types;
// --ts-runner node): an ES module (.mts), so it finds itself with import.meta.url. A parent forks a
// TypeScript child and asks it for three squares.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

interface Reply {
  n: number;
  square: number;
}

if (process.argv[2] === "child") {
  process.on("message", (n: number) => {
    if (n < 0) process.disconnect();
    else process.send!({ n, square: n * n } satisfies Reply);
  });
} else {
  const child = fork(fileURLToPath(import.meta.url), ["child"]);
  const replies: Reply[] = [];
  child.on("message", (r: Reply) => {
    replies.push(r);
    if (replies.length === 3) {
      console.log(replies.map((x) => `${x.n}² = ${x.square}`).join(", "));
      child.send(-1);
    }
  });
  child.on("exit", (code) => console.log(`child exited with ${code}`));
  for (const n of [2, 3, 4]) child.send(n);
}
