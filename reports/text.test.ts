// The run header is for reading: long option strings (manifests) are cut, every other value stays.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compactJson } from "./text.ts";

test("compactJson cuts long strings, says how long they were, and keeps the rest as JSON", () => {
  const manifest = "apiVersion: apps/v1\n" + "x".repeat(300);
  const out = compactJson({ members: 3, manifests: [manifest], name: "short" });
  assert.ok(out.length < 120, out);
  assert.match(out, /"apiVersion: apps\/v1\\nx+… \(320 chars\)"/);
  assert.match(out, /"members":3/);
  assert.match(out, /"name":"short"/);
  assert.equal(compactJson({ a: [1, "b"] }), JSON.stringify({ a: [1, "b"] }));
});

test.run();
