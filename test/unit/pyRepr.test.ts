import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDictLiteral, splitArgs } from "../../trace/model/pyRepr";

test("splitArgs: a tuple's repr splits into its top-level items", () => {
  assert.deepEqual(splitArgs("(1, 'a')"), ["1", "'a'"]);
  assert.deepEqual(splitArgs("1, 'a'"), ["1", "'a'"]);
  assert.deepEqual(splitArgs("[1, 2]"), ["1", "2"]);
  assert.deepEqual(splitArgs("('k',)"), ["'k'"]);
  assert.deepEqual(splitArgs("()"), []);
  assert.deepEqual(splitArgs(""), []);
});

test("splitArgs: brackets and quotes keep their commas", () => {
  assert.deepEqual(splitArgs("('a, b', [1, 2], {'x': (3, 4)})"), ["'a, b'", "[1, 2]", "{'x': (3, 4)}"]);
  assert.deepEqual(splitArgs(`("it's, here", 'say "hi", ok')`), [`"it's, here"`, `'say "hi", ok'`]);
  assert.deepEqual(splitArgs("('a\\', b', 2)"), ["'a\\', b'", "2"]);
  // Two bracketed items side by side are not one outer pair.
  assert.deepEqual(splitArgs("(1), (2)"), ["(1)", "(2)"]);
});

test("parseDictLiteral: a dict's repr into its entries, or null", () => {
  assert.deepEqual(parseDictLiteral("{'a': 1, 'b': [1, 2]}"), [
    ["'a'", "1"],
    ["'b'", "[1, 2]"],
  ]);
  assert.deepEqual(parseDictLiteral("{}"), []);
  assert.deepEqual(parseDictLiteral("{'k: v': {'x': 1}}"), [["'k: v'", "{'x': 1}"]]);
  assert.equal(parseDictLiteral("[1, 2]"), null);
  assert.equal(parseDictLiteral("{'a': 1} | x"), null);
  assert.equal(parseDictLiteral("{1, 2}"), null);
});
