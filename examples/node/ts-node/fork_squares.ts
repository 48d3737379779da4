// TypeScript run by ts-node: a parent forks a TypeScript child (ts-node's register hook is in
// NODE_OPTIONS, so the child runs through it too) and asks it for three squares.
import { fork } from "node:child_process";

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
  const child = fork(__filename, ["child"]);
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
