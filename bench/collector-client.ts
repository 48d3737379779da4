/**
 * Benchmark client for bench/collector.bench.ts: a separate Node process that plays one
 * instrumented process. It builds all its batch lines first, connects and sends the hello, says
 * "ready" over IPC, then on "go" writes everything as fast as the socket takes it and exits.
 *
 * argv: socketPath token events batchSize mode [firstHex restHex]
 *   mode "json":    JSON batches ([seq, t, tid, kind, obj, msg, site, extra] records);
 *   mode "binary":  binary batches ("B<length>\n" + CPython marshal bytes: what the Python
 *                   runtime sends), built from the same two batches as "marshal";
 *   mode "marshal": compact batches ("M" + base64 of CPython marshal), built from two batches
 *                   marshalled by real Python (firstHex: with the site definitions and
 *                   process.start; restHex: a plain batch of batchSize records), whose seq0
 *                   (the placeholder 123456789) is patched for each batch.
 */
import { connect } from "node:net";

const [socketPath, token, eventsArg, batchArg, mode, firstHex, restHex] = process.argv.slice(2);
const total = Number(eventsArg);
const batchSize = Number(batchArg);
const pid = process.pid;
const SEQ0_PLACEHOLDER = 123456789;

/** A realistic mix of JSON records: puts, gets, lock acquire/release, with previews and sites. */
function jsonLines(): string[] {
  const lines: string[] = [];
  let seq = 0;
  let t = 1_000_000;
  let first = true;
  while (seq < total) {
    const recs: string[] = [];
    if (first) {
      recs.push('["site",1,"/home/user/project/producer.py",42,"producer"]');
      recs.push('["site",2,"/home/user/project/consumer.py",17,"consumer"]');
      recs.push(`[0,${t},${pid},"process.start",null,null,null,{"name":"Process-1","ppid":1,"role":"child","startMethod":"fork"}]`);
      seq = 1;
      first = false;
    }
    const end = Math.min(total, seq + batchSize - recs.length);
    for (; seq < end; seq++) {
      t += 1234;
      switch (seq & 3) {
        case 0:
          recs.push(`[${seq},${t},${pid},"queue.put","Q${pid}.1","${pid}.${seq}",1,{"preview":"('item', ${seq})"}]`);
          break;
        case 1:
          recs.push(`[${seq},${t},${pid},"queue.get","Q${pid}.1","${pid}.${seq - 1}",2,{"preview":"('item', ${seq - 1})"}]`);
          break;
        case 2:
          recs.push(`[${seq},${t},${pid},"lock.acquire","L${pid}.2",null,1,{"ok":true}]`);
          break;
        default:
          recs.push(`[${seq},${t},${pid},"lock.release","L${pid}.2",null,1,null]`);
      }
    }
    lines.push("[" + recs.join(",") + "]\n");
  }
  return lines;
}

/** Position of the seq0 placeholder (int32 LE) in a marshalled batch. */
function seq0Offset(buf: Buffer): number {
  const i = buf.indexOf(Buffer.from(new Int32Array([SEQ0_PLACEHOLDER]).buffer));
  if (i < 0) throw new Error("bench client: seq0 placeholder not found in the marshalled batch");
  return i;
}

/** Marshalled batches: the first (sites, process.start, then records), then copies of the rest, each framed by `frame`. */
function marshalBatches(frame: (batch: Buffer) => Buffer): Buffer[] {
  const first = Buffer.from(firstHex, "hex");
  const rest = Buffer.from(restHex, "hex");
  const firstCount = batchSize; // the first batch holds batchSize records too
  const off = seq0Offset(rest);
  first.writeInt32LE(0, seq0Offset(first));
  const out = [frame(first)];
  for (let seq = firstCount; seq < total; seq += batchSize) {
    rest.writeInt32LE(seq, off);
    out.push(frame(rest));
  }
  return out;
}

const lines: Buffer[] =
  mode === "binary"
    ? marshalBatches((b) => Buffer.concat([Buffer.from(`B${b.length}\n`, "latin1"), b]))
    : mode === "marshal"
      ? marshalBatches((b) => Buffer.from("M" + b.toString("base64") + "\n", "latin1"))
      : jsonLines().map((l) => Buffer.from(l, "utf8"));
// Join into ~1 MB chunks so the client spends its time in the socket, not in write() calls.
const chunks: Buffer[] = [];
let cur: Buffer[] = [];
let curBytes = 0;
for (const l of lines) {
  cur.push(l);
  curBytes += l.length;
  if (curBytes > 1 << 20) {
    chunks.push(Buffer.concat(cur));
    cur = [];
    curBytes = 0;
  }
}
if (cur.length) chunks.push(Buffer.concat(cur));

const sock = connect(socketPath, () => {
  sock.write(JSON.stringify({ hello: 1, token, pid, lang: "python" }) + "\n");
  process.send!("ready");
});
sock.on("error", (err) => {
  console.error("bench client:", err.message);
  process.exit(1);
});
process.on("message", (m) => {
  if (m !== "go") return;
  let i = 0;
  const pump = () => {
    while (i < chunks.length) {
      if (!sock.write(chunks[i++])) {
        sock.once("drain", pump);
        return;
      }
    }
    sock.end(() => process.exit(0));
  };
  pump();
});
