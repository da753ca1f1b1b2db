import { test } from "uvu";
import * as assert from "uvu/assert";
import { NameTable } from "./name-table.ts";

test("a name table numbers each distinct string once, in order of first sight, and reads it back", () => {
  const t = new NameTable();
  assert.is(t.number("n1"), 0);
  assert.is(t.number("put"), 1);
  assert.is(t.number("n1"), 0);
  assert.is(t.size, 2);
  assert.is(t.name(1), "put");
  assert.is(t.name(0), "n1");
  assert.is(t.name(2), undefined);
});

test.run();
