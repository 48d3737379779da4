// The TypeScript worker of squares_main.ts: answers each task with its square, stops on null.
import { parentPort } from "node:worker_threads";
import type { Answer, Task } from "./squares_types";

const port = parentPort!;
port.on("message", (t: Task | null) => {
  if (t === null) {
    port.close();
    return;
  }
  const answer: Answer = { id: t.id, square: t.n * t.n };
  port.postMessage(answer);
});
