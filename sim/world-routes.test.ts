// A process's links, as its sends look them up (SimProcess.routeTo: the last two cached before the map).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Env } from "../core/env.ts";
import { World } from "./world.ts";

test("every send reaches the process it names, over one route per destination, whatever the order", () => {
  const world = new World({ seed: 3, link: { latencyUs: 100, jitterUs: 0 } });
  const got: string[] = [];
  let sender: Env | undefined;
  for (const id of ["a", "b", "c", "d", ""]) {
    world.spawn(id, (env) => {
      if (id === "a") sender = env;
      return { onMessage: (from, msg) => got.push(`${from}>${id}:${String(msg)}`) };
    });
  }
  // Hits of the newest and the older cached destination, misses, and the empty name.
  const order = ["b", "b", "c", "b", "c", "d", "b", "", "", "c", "d", "d", "b"];
  order.forEach((to, i) => {
    sender!.send(to, i);
    world.runUntil(world.now + 1_000);
  });
  assert.equal(
    got,
    order.map((to, i) => `a>${to}:${i}`),
  );
  const p = world.process("a");
  assert.equal([...p.routes.keys()].sort(), ["", "b", "c", "d"]);
  for (const to of ["b", "c", "d", "", "b", "b", "c"]) {
    assert.is(p.routeTo(to, world.network), p.routes.get(to), `the cached route to ${to} is the map's`);
    assert.is(p.routeTo(to, world.network).to, to);
  }
});

test.run();
