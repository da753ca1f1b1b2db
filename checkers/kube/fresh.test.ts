// kube-read-fresh on hand-made logs: reads served at or after every write acknowledged before they began
// pass (a write acknowledged while the read was under way need not be seen); a read below one fails.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AckedWrite, QuorumRead } from "../../core/kube/observations.ts";
import { checkReadsFresh } from "./fresh.ts";
import { kubeLog } from "../../testing/kube/observations.ts";

const log = kubeLog;
const write = (time: number, rv: number, key = "/registry/pods/default/a"): AckedWrite => ({
  time,
  apiserver: "apiserver-1",
  key,
  op: "update",
  baseRv: rv - 1,
  rv,
});
const read = (time: number, revision: number, verb: "get" | "list" = "get"): QuorumRead => ({
  time,
  apiserver: "apiserver-2",
  verb,
  key: verb === "get" ? "/registry/pods/default/b" : "/registry/pods/",
  revision,
});

test("kube-read-fresh: reads at or after every write acknowledged before they began pass", () => {
  const r = checkReadsFresh(
    log({
      writes: [write(100, 10), write(300, 12, "/registry/pods/default/b"), write(200, 11)],
      reads: [
        read(50, 9), // before any write
        read(150, 10),
        read(250, 11, "list"),
        read(300, 11), // the write at rv 12 was acknowledged at the same instant: either order
        read(301, 40),
      ],
    }),
  );
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "5 reads");
});

test("kube-read-fresh: a read served below a write acknowledged before it began fails, naming both", () => {
  const r = checkReadsFresh(
    log({
      writes: [write(100, 10), write(200, 14, "/registry/deployments/default/nginx"), write(220, 12)],
      reads: [read(250, 13), read(260, 14, "list"), read(400, 9, "list")],
    }),
  );
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    "apiserver-2 served GET /registry/pods/default/b begun at 0.000s at revision 13, below revision 14 (update of /registry/deployments/default/nginx), which etcd had acknowledged to apiserver-1",
  );
  assert.match(r.message, "(and 1 more)");
  assert.equal(r.name === "kube-read-fresh" ? r.evidence?.violations.length : undefined, 2);
});

test("kube-read-fresh: a log recorded before reads were has nothing to judge", () => {
  assert.is(checkReadsFresh(log({ writes: [write(100, 10)] })).verdict, "pass");
});

test.run();
