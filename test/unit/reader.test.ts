import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseTraceLine, readTraceText, TraceLineParser, TraceReadError } from "../../trace/reader";
import { readTraceFile, readTraceFileSync } from "../../trace/readFile";
import { EventScript, tempDir, testHeader } from "./launchTestUtil";

function script(): EventScript {
  return new EventScript()
    .start(100, "MainProcess", "main", 1)
    .ev(100, "queue.create", { obj: "Q100.1", objType: "Queue" })
    .ev(100, "queue.put", { obj: "Q100.1", msg: "100.1", preview: "'ü €'" })
    .collector(100, "run.exit", { exitCode: 0, signal: null, timedOut: false });
}

/** Asserts fn throws a TraceReadError whose message names file and line and matches re. */
function throwsRead(fn: () => unknown, file: string, line: number, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TraceReadError, `expected TraceReadError, got ${err}`);
    assert.equal(err.file, file);
    assert.equal(err.line, line);
    assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:${line}: `));
    assert.match(err.message, re);
    assert.match(err.message, /;/, "message says what to do after a semicolon");
    return true;
  });
}

test("reads a good trace: header, events, footer", () => {
  const t = readTraceText(script().text(), "good.jsonl");
  assert.equal(t.header.format, "ipcviz-trace");
  assert.equal(t.header.program, "/home/ana/proj/pipeline.py");
  assert.equal(t.events.length, 4);
  assert.equal(t.events[2].kind, "queue.put");
  assert.equal((t.events[2] as { preview: string }).preview, "'ü €'");
  assert.ok(t.footer);
  assert.equal(t.footer.events, 4);
  assert.deepEqual(t.problems, []);
});

test("a trace without footer has footer null; CRLF and blank lines are fine", () => {
  const text = script().text(testHeader(), false).replace(/\n/g, "\r\n") + "\r\n";
  const t = readTraceText(text, "nofooter.jsonl");
  assert.equal(t.footer, null);
  assert.equal(t.events.length, 4);
  assert.deepEqual(t.problems, []);
});

test("a cut-off last line is a problem, not an error; events before it are kept", () => {
  const text = script().text(testHeader(), false) + '{"pid":100,"tid":100,"seq":3,"t":9,"ki';
  const t = readTraceText(text, "cut.jsonl");
  assert.equal(t.events.length, 4);
  assert.equal(t.problems.length, 1);
  assert.match(t.problems[0], /line 6: the last line is incomplete/);
});

test("events after the footer and non-object lines are problems", () => {
  const text = script().text() + '{"pid":100,"tid":100,"seq":3,"t":9,"kind":"queue.close","obj":"Q100.1"}\n[1,2]\n';
  const t = readTraceText(text, "after.jsonl");
  assert.equal(t.events.length, 5);
  assert.equal(t.problems.length, 2);
  assert.match(t.problems[0], /line 7: an event after the footer \(line 6\)/);
  assert.match(t.problems[1], /line 8: not a JSON object/);
});

test("an empty file is an error naming the file and line 1", () => {
  throwsRead(() => readTraceText("", "empty.jsonl"), "empty.jsonl", 1, /empty/);
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, "empty.ipcviz.jsonl");
    writeFileSync(p, "");
    throwsRead(() => readTraceFileSync(p), p, 1, /empty/);
  } finally {
    cleanup();
  }
});

test("a binary file is an error", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, "image.png");
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    bytes.write("\x89PNG\r\n", 0, "latin1");
    writeFileSync(p, bytes);
    throwsRead(() => readTraceFileSync(p), p, 1, /binary file/);
    await assert.rejects(readTraceFile(p), (err: unknown) => err instanceof TraceReadError && /binary file/.test(err.message) && err.file === p);
  } finally {
    cleanup();
  }
});

test("a first line that is not JSON, or not a header, is an error", () => {
  throwsRead(() => readTraceText("hello world\n", "t.txt"), "t.txt", 1, /not JSON/);
  throwsRead(() => readTraceText("[1,2,3]\n", "t.txt"), "t.txt", 1, /not a trace header/);
  throwsRead(() => readTraceText('{"format":"chrome-trace","version":1}\n', "t.txt"), "t.txt", 1, /not an ipcviz trace.*"chrome-trace"/);
  throwsRead(() => readTraceText('{"pid":1,"tid":1,"seq":0,"t":0,"kind":"process.start"}\n', "t.txt"), "t.txt", 1, /header line is missing/);
  throwsRead(() => readTraceText("\n\n", "t.txt"), "t.txt", 1, /first line is empty/);
});

test("a newer major version is rejected with 'update ipcviz'; a bad version is an error", () => {
  throwsRead(() => readTraceText(JSON.stringify({ ...testHeader(), version: 2 }) + "\n", "new.jsonl"), "new.jsonl", 1, /version 2, newer than this ipcviz reads \(version 1\); update ipcviz/);
  throwsRead(() => readTraceText(JSON.stringify({ ...testHeader(), version: "1" }) + "\n", "v.jsonl"), "v.jsonl", 1, /invalid "version"/);
  throwsRead(() => readTraceText(JSON.stringify({ ...testHeader(), version: 0 }) + "\n", "v.jsonl"), "v.jsonl", 1, /invalid "version"/);
});

test("a line in the middle that is not JSON is an error naming its line", () => {
  const lines = script().text().split("\n");
  lines.splice(3, 0, "garbage here");
  throwsRead(() => readTraceText(lines.join("\n"), "mid.jsonl"), "mid.jsonl", 4, /line is not JSON \(it starts "garbage here"\)/);
});

test("a missing file or a directory is a clear error", async () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.throws(() => readTraceFileSync(join(dir, "nope.jsonl")), /nope\.jsonl: no such file; check the path/);
    await assert.rejects(readTraceFile(join(dir, "nope.jsonl")), /no such file/);
    await assert.rejects(readTraceFile(dir), /is a directory/);
  } finally {
    cleanup();
  }
});

test("readTraceFile, readTraceFileSync and readTraceText agree", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const s = script();
    for (let i = 0; i < 2000; i++) s.ev(100, "queue.poll", { obj: "Q100.1", method: "empty", result: "True", repeats: i + 1 });
    const text = s.text();
    const p = join(dir, "big.ipcviz.jsonl");
    writeFileSync(p, text);
    const a = await readTraceFile(p);
    const b = readTraceFileSync(p);
    const c = readTraceText(text, p);
    assert.equal(a.events.length, 2004);
    assert.deepEqual(a, b);
    assert.deepEqual(b, c);
    let seen = 0;
    const d = await readTraceFile(p, { onEvent: () => seen++, keepEvents: false });
    assert.equal(seen, 2004);
    assert.equal(d.events.length, 0);
  } finally {
    cleanup();
  }
});

test("TraceLineParser gives the same result whatever the chunking (even inside a UTF-8 character)", () => {
  const text = script().text();
  const bytes = Buffer.from(text);
  const whole = readTraceText(text, "x");
  for (const size of [1, 2, 3, 7, 64, 1000]) {
    const p = new TraceLineParser("x");
    for (let i = 0; i < bytes.length; i += size) p.push(bytes.subarray(i, i + size));
    assert.deepEqual(p.end(), whole, `chunk size ${size}`);
  }
  // A line is parsed only once it is complete.
  const events: string[] = [];
  const p = new TraceLineParser("x", (e) => events.push(e.kind));
  const lines = text.split("\n");
  p.push(lines[0] + "\n" + lines[1].slice(0, 10));
  assert.deepEqual(events, []);
  assert.equal(p.traceHeader?.format, "ipcviz-trace");
  p.push(lines[1].slice(10) + "\n");
  assert.deepEqual(events, ["process.start"]);
});

test("parseTraceLine classifies lines", () => {
  const h = parseTraceLine(JSON.stringify(testHeader()), 1, "f");
  assert.equal(h.type, "header");
  assert.equal(parseTraceLine('{"footer":true,"events":0,"lostEvents":0,"badLines":0,"endedAt":"x"}', 5, "f").type, "footer");
  const e = parseTraceLine('{"pid":1,"tid":1,"seq":0,"t":0,"kind":"queue.close","obj":"Q"}', 2, "f");
  assert.equal(e.type, "event");
  assert.equal(parseTraceLine("   ", 3, "f").type, "blank");
  throwsRead(() => parseTraceLine("{nope", 7, "f"), "f", 7, /not JSON/);
  throwsRead(() => parseTraceLine("42", 8, "f"), "f", 8, /not a JSON object/);
});
