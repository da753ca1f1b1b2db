import { test } from "uvu";
import * as assert from "uvu/assert";
import { GracefulStopMonitor } from "./graceful-stop.ts";

/** ReqTimeout 1.2 s and a 300 ms margin: 1.5 s for a member that did not lead, 2.7 s for one that did. */
const monitor = () => new GracefulStopMonitor((p) => /^n\d+$/.test(p), { requestTimeoutUs: 1_200_000 });

test("nothing stopped: nothing to judge", () => {
  assert.is(monitor().result(10_000_000), undefined);
});

test("a follower down within a request timeout passes; one down later fails", () => {
  const m = monitor();
  m.onStop({ time: 1_000_000, process: "n1", phase: "asked" });
  m.onStop({ time: 2_400_000, process: "n1", phase: "down" });
  assert.is(m.result(10_000_000)!.verdict, "pass");
  const late = monitor();
  late.onStop({ time: 1_000_000, process: "n1", phase: "asked" });
  late.onStop({ time: 2_600_000, process: "n1", phase: "down" });
  const r = late.result(10_000_000)!;
  assert.is(r.verdict, "fail");
  assert.match(r.message, /n1, stopped gracefully at 1000.0 ms, exited only at 2600.0 ms/);
});

test("a member that led during its stop has a second request timeout for the transfer", () => {
  const m = monitor();
  m.onStop({ time: 1_000_000, process: "n2", phase: "asked" });
  m.onRole("n2", true);
  m.onStop({ time: 3_600_000, process: "n2", phase: "down" });
  assert.is(m.result(10_000_000)!.verdict, "pass");
  const late = monitor();
  late.onStop({ time: 1_000_000, process: "n2", phase: "asked" });
  late.onRole("n2", true);
  late.onStop({ time: 3_800_000, process: "n2", phase: "down" });
  assert.is(late.result(10_000_000)!.verdict, "fail");
});

test("a leadership held before the stop does not count; a member never down fails once its bound has passed", () => {
  const m = monitor();
  m.onRole("n3", true);
  m.onStop({ time: 1_000_000, process: "n3", phase: "asked" });
  assert.is(m.result(2_400_000)!.verdict, "pass", "still within its bound at the end");
  const r = m.result(2_600_000)!;
  assert.is(r.verdict, "fail");
  assert.match(r.message, /had not exited by the end of the run/);
});

test("pauses are not running time; processes that are not members are not judged", () => {
  const m = monitor();
  m.onStop({ time: 1_000_000, process: "n1", phase: "asked" });
  m.onLifecycle("n1", "pause", 1_100_000);
  m.onLifecycle("n1", "resume", 2_100_000);
  m.onStop({ time: 3_400_000, process: "n1", phase: "down" });
  assert.is(m.result(10_000_000)!.verdict, "pass", "1.4 s of running time");
  m.onStop({ time: 1_000_000, process: "apiserver-1", phase: "asked" });
  assert.match(m.result(10_000_000)!.message, /^1 graceful stops/);
});

test.run();
