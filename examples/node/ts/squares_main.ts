// TypeScript: a main thread hands numbers to two TypeScript worker threads and sums their squares.
// Node 20 cannot start a worker from a .ts file itself, so each worker loads tsx first (eval).
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import type { Answer, Task } from "./squares_types";

function startWorker(name: string): Worker {
  const file = join(__dirname, "squares_worker.ts");
  return new Worker(`require("tsx/cjs"); require(${JSON.stringify(file)});`, { eval: true, name });
}

const tasks: Task[] = [1, 2, 3, 4].map((n, id) => ({ id, n }));
const answers: Answer[] = [];
const workers = [startWorker("squarer-0"), startWorker("squarer-1")];
workers.forEach((worker, i) => {
  worker.on("message", (a: Answer) => {
    answers.push(a);
    if (answers.length === tasks.length) {
      console.log(`sum of squares: ${answers.reduce((sum, x) => sum + x.square, 0)}`);
      for (const w of workers) w.postMessage(null);
    }
  });
  for (const t of tasks.filter((_, k) => k % 2 === i)) worker.postMessage(t);
});
