// One Atomics lock cell taken and given back from two places in turn: 40 times on lines 7-8, then
// 40 times on lines 11-12, then 3 times on 7-8 again (the call-site cache must follow the lines).
const cells = new Int32Array(new SharedArrayBuffer(8));
const rounds = [40, 40, 3];
for (let r = 0; r < rounds.length; r++) {
  for (let i = 0; i < rounds[r]; i++) {
    if (r !== 1) { if (Atomics.compareExchange(cells, 0, 0, 1) !== 0) throw new Error("taken");
      Atomics.store(cells, 0, 0); }
    else {
      // The same operations on the same cell, from other lines.
      if (Atomics.compareExchange(cells, 0, 0, 1) !== 0) throw new Error("taken");
      Atomics.store(cells, 0, 0);
    }
  }
}
console.log(`done ${cells[0]}`);
