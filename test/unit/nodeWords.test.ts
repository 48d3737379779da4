// Node's words for a Node trace's objects and lanes (trace/model/nodeWords.ts) and the view's labels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { laneIdText, nodeObjectLabel } from "../../trace/model/nodeWords";
import { roleLabel } from "../../webview/layout/labels";

test("node words: lanes, ports, channels, shared memory; Python ids are left alone", () => {
  assert.equal(laneIdText(4210035), "thread 1 of pid 15731");
  assert.equal(laneIdText(15731), "pid 15731");
  assert.equal(nodeObjectLabel("w4210035:c"), "parentPort of thread 1 of pid 15731");
  assert.equal(nodeObjectLabel("w4210035:p"), "Worker thread 1 of pid 15731 (its port in the parent)");
  assert.equal(nodeObjectLabel("mc15731.3:2"), "MessagePort port2 of MessageChannel mc15731.3");
  assert.equal(nodeObjectLabel("ipc900:c"), "IPC channel of child 900 (process.send side)");
  assert.equal(nodeObjectLabel("bc:news"), 'BroadcastChannel "news"');
  assert.equal(nodeObjectLabel("Lsab15731.1[0]"), "Atomics lock at sab15731.1[0]");
  assert.equal(nodeObjectLabel("sab15731.1[2]"), "shared cell sab15731.1[2]");
  assert.equal(nodeObjectLabel("sab15731.1"), "SharedArrayBuffer sab15731.1");
  assert.equal(nodeObjectLabel("lane:15731"), "the event loop of pid 15731");
  for (const py of ["Q/mp-abc", "L/mp-x1", "C1181923r", "pipe:C1r-C1w", "V/mp-1", "Mlistener-x/7f"]) assert.equal(nodeObjectLabel(py), null, py);
  assert.equal(roleLabel("worker"), "worker thread");
  assert.equal(roleLabel("cluster-worker"), "cluster worker");
});
