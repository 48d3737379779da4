// The marshal decoder against real CPython output, for every Python present.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { unmarshal, MarshalError } from "../../runtime/launch/pyMarshal";

const PYTHONS = [
  "python3",
  ...["3.9.18", "3.10.13", "3.12.1", "3.13.0"].map((v) => `/root/.pyenv/versions/${v}/bin/python3`),
].filter((p) => p === "python3" || existsSync(p));

const SAMPLE = `(5, [(0, 123456789012345, 77, 'queue.put', 'Q1.2', '77.1', 3, {'preview': "'zty' \\u00e9 处理", 'ok': True, 'n': None, 'f': 1.5, 'neg': -7, 'big': -2**40, 'l': [1, 'a', 'a']}), (1, 2, 3, 'lock.acquire', None, None, None, None)], [(3, '/tmp/x.py', 14, 'main')])`;

for (const py of PYTHONS) {
  test(`decodes marshal output of ${py}`, () => {
    const r = spawnSync(py, ["-c", `import marshal,sys; sys.stdout.buffer.write(marshal.dumps(${SAMPLE}, 4))`]);
    assert.equal(r.status, 0, r.stderr.toString());
    const v = unmarshal(r.stdout) as [number, unknown[][], unknown[]];
    assert.equal(v[0], 5);
    const rec = v[1][0];
    assert.deepEqual(rec.slice(0, 7), [0, 123456789012345, 77, "queue.put", "Q1.2", "77.1", 3]);
    assert.deepEqual(rec[7], { preview: "'zty' é 处理", ok: true, n: null, f: 1.5, neg: -7, big: -(2 ** 40), l: [1, "a", "a"] });
    assert.deepEqual(v[1][1], [1, 2, 3, "lock.acquire", null, null, null, null]);
    assert.deepEqual(v[2], [[3, "/tmp/x.py", 14, "main"]]);
  });
}

test("rejects truncated and unknown input with a MarshalError", () => {
  assert.throws(() => unmarshal(Buffer.from([0x29, 0x02, 0xe9])), MarshalError);
  assert.throws(() => unmarshal(Buffer.from("garbage")), MarshalError);
  assert.throws(() => unmarshal(Buffer.from([0x4e, 0x4e])), MarshalError);
});
