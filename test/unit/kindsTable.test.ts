import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { KindDecl } from "../../trace/kinds/fields";
import { renderKindTables } from "../../trace/kinds/docs";
import { KINDS, KIND_LIST } from "../../trace/kinds/table";
import { HANDLERS } from "../../trace/model/fold";
import { KIND_NAMES, MESSAGE_CLASS } from "../../trace/model/kinds";
import { COLLECTOR_EVENT_KINDS, RUNTIME_EVENT_KINDS, validateEvent } from "../../trace/validate";

const ROOT = join(__dirname, "..", "..", "..");
const decl = (k: string) => (KINDS as Record<string, KindDecl>)[k];

test("docs/trace-format.md: the tables of kinds are what trace/kinds/table.ts renders (npm run docs:kinds)", () => {
  const doc = readFileSync(join(ROOT, "docs", "trace-format.md"), "utf8");
  const want = renderKindTables(doc);
  if (doc !== want) {
    const a = doc.split("\n");
    const b = want.split("\n");
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    assert.fail(`docs/trace-format.md line ${i + 1} differs from the table of kinds; run "npm run docs:kinds".\n  doc:   ${a[i]}\n  table: ${b[i]}`);
  }
});

test("the table of kinds: every kind has a handler, a code, a validator entry", () => {
  for (const k of KIND_LIST) {
    assert.equal(typeof (HANDLERS as Record<string, unknown>)[k], "function", `${k} has no handler`);
    assert.ok(KIND_NAMES.includes(k), `${k} has no kind code`);
    assert.ok((decl(k).family === "collector" ? COLLECTOR_EVENT_KINDS : RUNTIME_EVENT_KINDS).includes(k), `${k} is not validated`);
  }
  assert.equal(RUNTIME_EVENT_KINDS.length + COLLECTOR_EVENT_KINDS.length, KIND_LIST.length);
  assert.equal(KIND_NAMES.length, KIND_LIST.length + 1);
});

test("the table of kinds: pairing and flags are consistent", () => {
  for (const k of KIND_LIST) {
    const d = decl(k);
    if (d.class === "receipt") {
      assert.ok(d.pairs, `receipt ${k} names no send kind`);
      assert.equal(decl(d.pairs!).class, "send", `${k} pairs with ${d.pairs}, which is not a send`);
      assert.equal(MESSAGE_CLASS[k], MESSAGE_CLASS[d.pairs!]);
    }
    if (d.pairs) assert.ok(d.pairs in KINDS, `${k} pairs with an unknown kind ${d.pairs}`);
    for (const f of d.relies ?? []) assert.ok(d.fields[f]?.required, `${k} relies on ${f}, which is not a required field`);
    if (d.family === "collector") assert.equal(d.fields.obj, undefined, `collector kind ${k} has obj`);
  }
});

test("the validator checks each kind's declared fields", () => {
  const base = { pid: 1, tid: 1, seq: 0, t: 1 };
  assert.equal(validateEvent({ ...base, kind: "queue.put", obj: "q", msg: "1", preview: "x" }), null);
  assert.match(validateEvent({ ...base, kind: "queue.put", obj: "q", preview: "x" })!, /queue.put: required field "msg" is missing/);
  assert.match(validateEvent({ ...base, kind: "block.begin", obj: "q", op: "queue.create" })!, /"op" must be one of process.join/);
  assert.equal(validateEvent({ ...base, kind: "block.begin", obj: "q", op: "queue.put" }), null);
});
