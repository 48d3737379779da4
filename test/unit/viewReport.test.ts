// `ipcviz report TRACE -o report.html` and `ipcviz run --html FILE`: one self-contained HTML file
// (no network, no external file) with the view's script, style and the trace embedded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { parseReportArgs, reportHtml } from "../../cli/report";
import { readTraceFileSync } from "../../trace/readFile";
import { CLI, FAKE_BOOT, PROGRAMS, tempDir } from "./launchTestUtil";

const REAL = join(__dirname, "..", "..", "..", "test", "fixtures", "traces", "real");

function cli(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, IPCVIZ_TEST_BOOT_DIR: FAKE_BOOT }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ipcviz ${args.join(" ")} did not end; ${stderr}`));
    }, 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** The page loads nothing from outside itself. */
function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /<script[^>]+src=/i);
  assert.doesNotMatch(html, /<link[^>]+href=/i);
  assert.doesNotMatch(html, /\b(src|href)=["']?(https?:)?\/\//i);
  assert.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;/);
}

/** The snapshot embedded in a report. */
function embedded(html: string): { type: string; events: unknown[]; live: boolean; title: string } {
  const m = /<script type="application\/json" id="ipcviz-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m);
  return JSON.parse(m![1]);
}

/** What `ipcviz report` embeds: the trace file's bytes (gzip, base64) and the snapshot's title and options. */
function embeddedTrace(html: string): { bytes: Buffer; meta: { title: string; options: { readOnly?: boolean; layout?: string } } } {
  const m = /<script type="application\/gzip" id="ipcviz-trace">([A-Za-z0-9+/=]*)<\/script>/.exec(html);
  const meta = /<script type="application\/json" id="ipcviz-meta">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m && meta, "the report embeds the trace and its meta data");
  return { bytes: gunzipSync(Buffer.from(m![1], "base64")), meta: JSON.parse(meta![1]) };
}

test("report: writes one self-contained page with the whole trace embedded", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const trace = join(REAL, "pipe_duplex.ipcviz.jsonl");
    const r = await cli(["report", trace, "-o", "r.html"], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^ipcviz: report of \d+ events written to r\.html\n$/);
    const html = readFileSync(join(dir, "r.html"), "utf8");
    assertSelfContained(html);
    const { bytes, meta } = embeddedTrace(html);
    assert.ok(bytes.equals(readFileSync(trace)), "the trace file is embedded byte for byte");
    assert.equal(meta.title, "pipe_duplex.py");
    assert.equal(meta.options.readOnly, true);
    assert.match(r.stderr, new RegExp(`report of ${readTraceFileSync(trace).events.length} events`));
    const layout = await cli(["report", trace, "-o", "l.html", "--layout", "logical"], dir);
    assert.equal(layout.code, 0, layout.stderr);
    assert.equal(embeddedTrace(readFileSync(join(dir, "l.html"), "utf8")).meta.options.layout, "logical");
    // A damaged trace is refused, naming the line, and no report is written.
    writeFileSync(join(dir, "bad.ipcviz.jsonl"), readFileSync(trace, "utf8").replace(/\n\{/, "\n{oops\n{"));
    const bad = await cli(["report", "bad.ipcviz.jsonl", "-o", "bad.html"], dir);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /bad\.ipcviz\.jsonl:2: line is not JSON/);
    assert.equal(existsSync(join(dir, "bad.html")), false);
  } finally {
    cleanup();
  }
});

test("report: payload text cannot close the data element", () => {
  const html = reportHtml(
    { header: null, events: [{ pid: 1, tid: 1, seq: 0, t: 1, kind: "queue.put", obj: "q", msg: "1", preview: "'</script><script>alert(1)</script>'" }], footer: null },
    { title: "x" },
  );
  assertSelfContained(html);
  assert.equal((embedded(html).events[0] as { preview: string }).preview, "'</script><script>alert(1)</script>'");
});

test("report: arguments and errors a user can act on", async () => {
  assert.deepEqual(parseReportArgs(["t.ipcviz.jsonl"]), { trace: "t.ipcviz.jsonl", out: "t.html", layout: undefined });
  assert.deepEqual(parseReportArgs(["t.jsonl", "--out=x.html", "--layout", "logical"]), { trace: "t.jsonl", out: "x.html", layout: "logical" });
  assert.throws(() => parseReportArgs([]), /usage: ipcviz report TRACE -o report\.html/);
  assert.throws(() => parseReportArgs(["a", "--layout", "3d"]), /--layout must be "time" or "logical"/);
  const { dir, cleanup } = tempDir();
  try {
    const missing = await cli(["report", "nope.jsonl", "-o", "r.html"], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.jsonl: no such file/);
    const badDir = await cli(["report", join(REAL, "pipe_duplex.ipcviz.jsonl"), "-o", "no/such/dir/r.html"], dir);
    assert.equal(badDir.code, 2);
    assert.match(badDir.stderr, /cannot write the report to no\/such\/dir\/r\.html \(ENOENT\)/);
  } finally {
    cleanup();
  }
});

test("run --html: the report of the run is written after it", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await cli(["run", "--out", "t.jsonl", "--html", "view.html", "--", join(PROGRAMS, "events.py")], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /report to view\.html/);
    assert.ok(existsSync(join(dir, "view.html")));
    const html = readFileSync(join(dir, "view.html"), "utf8");
    assertSelfContained(html);
    assert.ok(embeddedTrace(html).bytes.equals(readFileSync(join(dir, "t.jsonl"))));
    const same = await cli(["run", "--out", "t.jsonl", "--html", "t.jsonl", "--", join(PROGRAMS, "events.py")], dir);
    assert.equal(same.code, 2);
    assert.match(same.stderr, /--html must name a file of its own/);
  } finally {
    cleanup();
  }
});
