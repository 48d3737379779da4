import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseRunArgs, defaultTracePath } from "../../cli/commands";
import { readTraceFileSync } from "../../trace/readFile";
import { alive, CLI, FAKE_BOOT, PROGRAMS, readPids, tempDir } from "./launchTestUtil";

const PY38 = "/root/.pyenv/versions/3.8.18/bin/python3.8";

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (bin/ipcviz.js) with the fake runtime; resolves when it exits. */
function cli(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, IPCVIZ_TEST_BOOT_DIR: FAKE_BOOT, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ipcviz ${args.join(" ")} did not end in time; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** The last stderr line, which must be ipcviz's single report line. */
function report(r: CliResult): string {
  const lines = r.stderr.trimEnd().split("\n");
  return lines[lines.length - 1];
}

test("run: exit status passed through, trace and summary written, one report line", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await cli(["run", "--out", "t/trace.jsonl", "--summary", "s/summary.json", "--", join(PROGRAMS, "events.py"), "3"], { cwd: dir });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, "events.py ran ['3']\n");
    assert.equal(r.stderr, "ipcviz: trace written to t/trace.jsonl; summary to s/summary.json\n");
    const t = readTraceFileSync(join(dir, "t", "trace.jsonl"));
    assert.ok(t.footer);
    const s = JSON.parse(readFileSync(join(dir, "s", "summary.json"), "utf8"));
    for (const f of ["exitCode", "signal", "timedOut", "events", "lostEvents", "badLines", "processes", "objects", "messages"]) assert.ok(f in s, `summary has ${f}`);
    assert.equal(s.exitCode, 3);
    assert.equal(s.signal, null);
    assert.equal(s.timedOut, false);
    assert.equal(s.events, t.events.length);
    assert.deepEqual(Object.keys(s.processes[0]).sort(), ["disconnect", "events", "exitCode", "name", "parentPid", "pid", "role", "signal"]);
    assert.equal(s.processes[0].exitCode, 3);
    assert.deepEqual(s.messages, { sent: 3, received: 2, matched: 2, inFlight: 1, outside: 0, unmatchedReceipts: 0 });
    assert.ok(s.objects.some((o: { id: string; kind: string; family: string }) => o.id === "q1" && o.kind === "Queue" && o.family === "queue"));
  } finally {
    cleanup();
  }
});

test("run: stdin, stdout and stderr pass through untouched", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await cli(["run", "--out", "t.jsonl", join(PROGRAMS, "echo_stdin.py")], { cwd: dir, input: "one\ntwo\n" });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "ONE\nTWO\n");
    assert.equal(r.stderr, "stderr line\nipcviz: trace written to t.jsonl\n");
  } finally {
    cleanup();
  }
});

test("run: the default trace path is .ipcviz/<program>-<time>.ipcviz.jsonl under cwd", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await cli(["run", join(PROGRAMS, "events.py")], { cwd: dir });
    assert.equal(r.code, 0);
    const files = readdirSync(join(dir, ".ipcviz"));
    assert.equal(files.length, 1);
    assert.match(files[0], /^events-\d{8}-\d{6}\.ipcviz\.jsonl$/);
    assert.equal(report(r), `ipcviz: trace written to .ipcviz/${files[0]}`);
  } finally {
    cleanup();
  }
});

test("run: lost events and bad lines are counted on the report line", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await cli(["run", "--out", "t.jsonl", join(PROGRAMS, "lost.py")], { cwd: dir });
    assert.equal(r.code, 0);
    assert.equal(report(r), "ipcviz: trace written to t.jsonl; 3 events lost; 1 bad lines");
    const v = await cli(["run", "-v", "--out", "t2.jsonl", join(PROGRAMS, "lost.py")], { cwd: dir });
    assert.match(v.stderr, /ipcviz: problem: pid \d+: a line is not JSON/);
  } finally {
    cleanup();
  }
});

test("run: a signal ends the program → 128+N", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await cli(["run", "--out", "t.jsonl", "--summary", "s.json", join(PROGRAMS, "selfkill.py"), "9"], { cwd: dir });
    assert.equal(r.code, 137);
    const s = JSON.parse(readFileSync(join(dir, "s.json"), "utf8"));
    assert.equal(s.signal, "SIGKILL");
    assert.equal(s.exitCode, null);
  } finally {
    cleanup();
  }
});

test("run: --timeout stops the whole tree, exit 124, summary timedOut", async () => {
  const { dir, cleanup } = tempDir();
  const pidfile = join(dir, "pids");
  try {
    const r = await cli(["run", "--timeout", "2", "--out", "t.jsonl", "--summary", "s.json", "--", join(PROGRAMS, "tree.py"), pidfile], { cwd: dir });
    assert.equal(r.code, 124, r.stderr);
    assert.equal(report(r), "ipcviz: trace written to t.jsonl; summary to s.json; stopped after the 2 s timeout");
    const s = JSON.parse(readFileSync(join(dir, "s.json"), "utf8"));
    assert.equal(s.timedOut, true);
    const pids = readPids(pidfile);
    assert.equal(pids.length, 4);
    assert.deepEqual(pids.filter(alive), [], "no process left");
  } finally {
    for (const pid of readPids(pidfile)) if (alive(pid)) process.kill(pid, "SIGKILL");
    cleanup();
  }
});

test("run -m module", async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, "tool.py"), "import sys\nprint('tool', sys.argv[1:])\n");
    const r = await cli(["run", "--out", "t.jsonl", "-m", "tool", "--flag", "x"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "tool ['--flag', 'x']\n");
    assert.equal(readTraceFileSync(join(dir, "t.jsonl")).header.program, "tool");
  } finally {
    cleanup();
  }
});

/** A usage or setup error: exit 2, one "ipcviz:" line on stderr, nothing run or written. */
async function usageError(args: string[], re: RegExp, cwd: string, env?: NodeJS.ProcessEnv) {
  const r = await cli(args, { cwd, env });
  assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.split("\n").length, 2, `one line: ${r.stderr}`);
  assert.match(r.stderr, /^ipcviz: /);
  assert.match(r.stderr, re);
}

test("usage and setup errors exit 2 with one line saying what to do", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const prog = join(PROGRAMS, "events.py");
    await usageError(["run", "--bogus", prog], /unknown option --bogus for run \(see ipcviz --help/, dir);
    await usageError(["run"], /no program given/, dir);
    await usageError(["run", "--out"], /option --out needs a value/, dir);
    await usageError(["run", "--summary", "--", prog], /option --summary needs a value before -- \(see ipcviz --help/, dir);
    await usageError(["run", "--out", "--", prog], /option --out needs a value before --/, dir);
    assert.ok(!existsSync(join(dir, "--")), "no file named -- is written");
    await usageError(["run", "--timeout", "soon", prog], /--timeout needs a positive number of seconds/, dir);
    await usageError(["run", "--timeout", "0", prog], /--timeout needs a positive number/, dir);
    await usageError(["run", "--start-method", "teleport", prog], /unknown start method "teleport": use one of fork, spawn, forkserver/, dir);
    await usageError(["run", "--preview", "-3", prog], /--preview needs a whole number/, dir);
    await usageError(["run", "--python", "/nonexistent/python", prog], /Python interpreter not found: \/nonexistent\/python; pass --python/, dir);
    await usageError(["run", prog], /no Python found.*install Python 3\.9 or newer, or pass --python PATH/, dir, { PATH: dir });
    if (existsSync(PY38)) await usageError(["run", "--python", PY38, prog], /is Python 3\.8\.\d+; ipcviz needs Python 3\.9 or newer/, dir);
    await usageError(["run", join(dir, "nope.py")], /program file not found: .*nope\.py; check the path/, dir);
    writeFileSync(join(dir, "file"), "x");
    await usageError(["run", "--out", join(dir, "file", "t.jsonl"), prog], /cannot create the directory for the trace .*; choose another path with --out/, dir);
    mkdirSync(join(dir, "d"));
    await usageError(["run", "--out", join(dir, "d"), prog], /cannot write the trace to .*\(EISDIR\); choose another path with --out/, dir);
    await usageError(["run", "--out", "t.jsonl", "--summary", join(dir, "file", "s.json"), prog], /cannot write the summary to .*; choose another path with --summary/, dir);
    await usageError(["frobnicate"], /unknown command "frobnicate"/, dir);
    await usageError(["summary"], /usage: ipcviz summary TRACE/, dir);
    await usageError(["validate", "a", "b"], /usage: ipcviz validate TRACE/, dir);
    // Bad input to the option parser (node:util parseArgs): each named, with what to do.
    await usageError(["run", "--verbose=yes", prog], /option --verbose takes no value \(see ipcviz --help/, dir);
    await usageError(["run", "-x", prog], /unknown option -x for run/, dir);
    await usageError(["run", "--out=t.jsonl", "--html"], /option --html needs a value/, dir);
    await usageError(["run", "-m"], /-m needs a module name/, dir);
    await usageError(["run", "-vm", "pkg"], /put -m on its own/, dir);
    await usageError(["run", "--deadlock-grace", "-1", prog], /--deadlock-grace needs a positive number of seconds \(got "-1"\)/, dir);
    await usageError(["run", "--preview", "1.5", prog], /--preview needs a whole number of characters \(got "1\.5"\)/, dir);
    await usageError(["summary", "--csv", "t.jsonl"], /unknown option --csv for summary \(usage: ipcviz summary TRACE \[--json\]\)/, dir);
    await usageError(["summary", "--json=1", "t.jsonl"], /option --json takes no value/, dir);
    await usageError(["validate", "--strict", "t.jsonl"], /unknown option --strict for validate \(usage: ipcviz validate TRACE\)/, dir);
    await usageError(["report", "t.jsonl", "-o"], /option -o needs a value \(usage: ipcviz report TRACE -o report\.html\)/, dir);
    await usageError(["report", "t.jsonl", "--layout", "tree"], /--layout must be "time" or "logical", not "tree"/, dir);
    await usageError(["report", "a.jsonl", "b.jsonl"], /report takes one trace file \(got "a\.jsonl" and "b\.jsonl"\)/, dir);
    // Nothing was run, nothing was written.
    assert.deepEqual(readdirSync(dir).sort(), ["d", "file"]);
  } finally {
    cleanup();
  }
});

test("summary of an orphaned trace (the recorder died; the watchdog appended run.orphaned) says so, in text and JSON", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const run = await cli(["run", "--out", "t.jsonl", join(PROGRAMS, "events.py"), "0"], { cwd: dir });
    assert.equal(run.code, 0);
    // What the watchdog leaves: no run.exit, no footer, run.orphaned as the last line.
    const lines = readFileSync(join(dir, "t.jsonl"), "utf8").trim().split("\n");
    const kept = lines.filter((l, i) => i === 0 || (JSON.parse(l).kind !== undefined && JSON.parse(l).kind !== "run.exit"));
    const main = JSON.parse(kept[1]).pid as number;
    kept.push(JSON.stringify({ src: "collector", pid: main, t: JSON.parse(kept[kept.length - 1]).t + 1000, kind: "run.orphaned", recorderPid: 4242, ended: 1 }));
    writeFileSync(join(dir, "o.jsonl"), kept.join("\n") + "\n");
    const ok = await cli(["validate", "o.jsonl"], { cwd: dir });
    // The run.orphaned line is valid; the only problem is the missing footer, as in every orphaned trace.
    assert.match(ok.stdout, /o\.jsonl: the trace has no footer .*\no\.jsonl: 1 problem\(s\)\n$/s);
    const text = await cli(["summary", "o.jsonl"], { cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /\norphaned: the recorder \(pid 4242\) died while the run was not over; its watchdog ended 1 process\n/);
    const json = await cli(["summary", "o.jsonl", "--json"], { cwd: dir });
    assert.deepEqual(JSON.parse(json.stdout).orphaned, { recorderPid: 4242, ended: 1 });
    const plain = await cli(["summary", "t.jsonl", "--json"], { cwd: dir });
    assert.equal(JSON.parse(plain.stdout).orphaned, null);
  } finally {
    cleanup();
  }
});

test("summary and validate on a saved trace", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const run = await cli(["run", "--out", "t.jsonl", join(PROGRAMS, "events.py"), "0"], { cwd: dir });
    assert.equal(run.code, 0);
    const text = await cli(["summary", "t.jsonl"], { cwd: dir });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^program: .*events\.py 0\n/);
    assert.match(text.stdout, /\nexit: 0\n/);
    assert.match(text.stdout, /processes \(1\):\n {2}\d+ {2}MainProcess {2}main/);
    assert.match(text.stdout, /messages: 3 sent, 2 received, 2 matched, 1 in flight/);
    const json = await cli(["summary", "t.jsonl", "--json"], { cwd: dir });
    assert.equal(JSON.parse(json.stdout).exitCode, 0);
    const ok = await cli(["validate", "t.jsonl"], { cwd: dir });
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /t\.jsonl: valid \(trace format v1, \d+ events\)/);
    // Break it: a gap in seq and a bad field.
    const lines = readFileSync(join(dir, "t.jsonl"), "utf8").trim().split("\n");
    const ev = JSON.parse(lines[2]);
    ev.objType = 7;
    lines[2] = JSON.stringify(ev);
    lines.splice(3, 1);
    writeFileSync(join(dir, "bad.jsonl"), lines.join("\n") + "\n");
    const bad = await cli(["validate", "bad.jsonl"], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /bad\.jsonl: line 3: queue\.create: field "objType" must be a string/);
    assert.match(bad.stdout, /seq jumps/);
    assert.match(bad.stdout, /problem\(s\)\n$/);
    // Not a trace at all.
    writeFileSync(join(dir, "notes.txt"), "hello\n");
    const nt = await cli(["validate", "notes.txt"], { cwd: dir });
    assert.equal(nt.code, 2);
    assert.match(nt.stderr, /^ipcviz: notes\.txt:1: the first line is not JSON/);
    const ns = await cli(["summary", "missing.jsonl"], { cwd: dir });
    assert.equal(ns.code, 2);
    assert.match(ns.stderr, /missing\.jsonl: no such file/);
  } finally {
    cleanup();
  }
});

test("--help and --version", async () => {
  const h = await cli(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /ipcviz run \[options\] \[--\] program\.py/);
  assert.match(h.stdout, /--timeout SEC/);
  const v = await cli(["--version"]);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^ipcviz \d+\.\d+\.\d+\n$/);
  const none = await cli([]);
  assert.equal(none.code, 2);
});

test("parseRunArgs: options, --opt=value, --, -m", () => {
  assert.deepEqual(parseRunArgs(["--timeout=1.5", "--out", "x", "--", "p.py", "--timeout", "9"]), { args: ["--timeout", "9"], timeout: 1.5, out: "x", program: "p.py" });
  assert.deepEqual(parseRunArgs(["p.py", "-m", "x"]), { args: ["-m", "x"], program: "p.py" });
  assert.deepEqual(parseRunArgs(["--python", "py", "-m", "pkg.mod", "a"]), { args: ["a"], python: "py", module: "pkg.mod" });
  assert.deepEqual(parseRunArgs(["--", "-m", "pkg"]), { args: [], module: "pkg" });
  assert.deepEqual(parseRunArgs(["--start-method=spawn", "--preview", "10", "p.py"]), { args: [], startMethod: "spawn", preview: 10, program: "p.py" });
  assert.deepEqual(parseRunArgs(["-v", "--keep-running", "--deadlock-grace=2", "-mpkg", "-v"]), { args: ["-v"], verbose: true, keepRunning: true, deadlockGrace: 2, module: "pkg" });
  assert.deepEqual(parseRunArgs(["--out", "a", "--out", "b", "-", "x"]), { args: ["x"], out: "b", program: "-" }, "the last of a repeated option wins; - is a program (stdin)");
  assert.deepEqual(parseRunArgs(["--", "--out", "x"]), { args: ["x"], program: "--out" }, "after -- everything is the program's");
});

test("defaultTracePath never reuses an existing file", () => {
  const { dir, cleanup } = tempDir();
  try {
    const when = new Date(2025, 2, 14, 9, 5, 7);
    const p1 = defaultTracePath(dir, "/x/my prog.py", when);
    assert.equal(p1, join(dir, ".ipcviz", "my_prog-20250314-090507.ipcviz.jsonl"));
    mkdirSync(join(dir, ".ipcviz"));
    writeFileSync(p1, "");
    assert.equal(defaultTracePath(dir, "/x/my prog.py", when), join(dir, ".ipcviz", "my_prog-20250314-090507-2.ipcviz.jsonl"));
  } finally {
    cleanup();
  }
});
