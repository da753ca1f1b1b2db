// etcd's two 2026 advisories on Txn authorization, against a real etcd and the simulated member: a user
// allowed only to write /w/ (1) puts through a Txn with prev_kv, reading the value it replaced
// (GHSA-x35m-3gp4-4fh5, CVE-2026-44283: a Put in a Txn was checked by its key alone), and (2) writes a key
// outside any grant and (3) reads its write-only key through a nested Txn (GHSA-rfx7-8w68-q57q: a nested
// Txn was not checked at all); and a user allowed to read the single key /p (4) watches from /p to the end
// of the keyspace (GHSA-xg4h-6gfc-h4m8: that watch was checked as a watch of /p alone). The simulated member refuses all three, as a patched etcd does, and so
// does the auth checker's own statement of the rules; each advisory's mutant serves them as an
// unpatched etcd does. Whatever the etcd here is, the simulation must agree with it: with the mutant
// where the real server serves the request (Debian's 3.4.23 serves all four), without where it refuses.
// Last, etcd PR #22386 (open in 2026): (5) once a tenant has filled the space quota and NOSPACE is raised,
// it deletes a key outside its grant and turns auth off — the alarm's applier chain has no auth applier.
// And GHSA-q8m4-xhhv-38mg: (6) a client with no token raises and lists NOSPACE, a user without root
// disarms it — etcd's Maintenance service passed Alarm through unchecked; and (7) membership changes,
// which etcd checks for the root role since #6903 (3.1-rc1 let anyone remove a member, #7181); and (8) a
// login as root with an empty password (etcd #5182 let one through its v2 auth).
// Without etcd this file fails with an install hint, unless ETCDSIM_SKIP_REAL_ETCD=1 skips it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { realEtcdAvailability, startRealEtcd } from "../../scripts/real-etcd.ts";
import { EtcdEndpoint, LeaseIds } from "./grpc.ts";
import { AuthSim } from "../../testing/etcd/auth-sim.ts";
import type { BugName } from "../../core/bugs.ts";
import { applyAuth, emptyAuthState, type AuthRequest, type AuthState } from "../../core/etcd/auth.ts";
import type {
  EtcdRequest,
  EtcdResponse,
  RequestOp,
  ResponseOp,
  WatchCreateRequest,
  WatchResponse,
} from "../../core/mvcc/rpc.ts";
import { permits } from "../../checkers/etcd/permissions.ts";
import type { MaintenanceRequest } from "../../core/etcd/protocol.ts";

const SETUP: AuthRequest[] = [
  { op: "userAdd", name: "root", password: "rootpw" },
  { op: "userGrantRole", user: "root", role: "root" },
  { op: "userAdd", name: "u", password: "upw" },
  { op: "roleAdd", name: "w" },
  { op: "roleGrantPermission", name: "w", perm: { key: "/w/", rangeEnd: "/w0", permType: "WRITE" } },
  { op: "roleGrantPermission", name: "w", perm: { key: "/p", permType: "READ" } },
  { op: "userGrantRole", user: "u", role: "w" },
];
const FROM_KEY_WATCH: WatchCreateRequest = { key: "/p", rangeEnd: "\0" };
const watchOutcome = (w: WatchResponse | string): string =>
  typeof w === "string" ? `ended ${w}` : w.canceled === true ? "refused" : w.created === true ? "created" : "other";

const txn = (...success: RequestOp[]): EtcdRequest => ({ kind: "txn", txn: { compare: [], success, failure: [] } });
const nested = (op: RequestOp): EtcdRequest => txn({ requestTxn: { compare: [], success: [op], failure: [] } });

const CASES: { name: string; bug: BugName; request: EtcdRequest }[] = [
  {
    name: "a Txn put with prev_kv on a write-only key",
    bug: "etcd-auth-txn-put-side-reads-unchecked",
    request: txn({ requestPut: { key: "/w/a", value: "x", prevKv: true } }),
  },
  {
    name: "a nested Txn's put outside every grant",
    bug: "etcd-auth-nested-txn-unchecked",
    request: nested({ requestPut: { key: "/root/x", value: "pwned" } }),
  },
  {
    name: "a nested Txn's read of a write-only key",
    bug: "etcd-auth-nested-txn-unchecked",
    request: nested({ requestRange: { key: "/w/a" } }),
  },
];

/** What both sides must agree on: the error, or what the Txn's operations returned. */
function outcome(r: { ok: true; value: EtcdResponse } | { ok: false; error?: string; reason?: string }): string {
  if (!r.ok) return `error ${r.error ?? r.reason}`;
  const ops = (list: readonly ResponseOp[]): string =>
    list
      .map((o) =>
        "responsePut" in o
          ? `put${o.responsePut.prevKv ? ` prev=${o.responsePut.prevKv.value}` : ""}`
          : "responseRange" in o
            ? `range ${o.responseRange.kvs.map((k) => `${k.key}=${k.value}`).join(",")}`
            : "responseTxn" in o
              ? `txn[${ops(o.responseTxn.responses)}]`
              : "delete",
      )
      .join(" ");
  return r.value.kind === "txn" ? `ok ${ops(r.value.txn.responses)}` : `ok ${r.value.kind}`;
}

/** The auth state after the set-up and auth enable, as etcd's rules make it. */
function authState(): AuthState {
  let state = emptyAuthState();
  for (const step of [...SETUP, { op: "authEnable" } as const]) state = applyAuth(state, step, "root").state;
  return state;
}

/** A fresh simulated member, set up, auth on, and u's client logged in. */
/** Who is set up before auth enable, the key written then, and the user who logs in afterwards. */
interface World {
  setup: AuthRequest[];
  secret: EtcdRequest;
  user: { name: string; password: string };
  quotaBackendBytes?: number;
}
const WRITE_ONLY: World = {
  setup: SETUP,
  secret: { kind: "put", put: { key: "/w/a", value: "secret" } },
  user: { name: "u", password: "upw" },
};

function simFor(bugs: BugName[], w: World = WRITE_ONLY) {
  const sim = new AuthSim({
    bugs,
    ...(w.quotaBackendBytes !== undefined ? { quotaBackendBytes: w.quotaBackendBytes } : {}),
  });
  const anon = sim.client("anon");
  for (const step of w.setup) assert.ok(sim.auth(anon, step).ok, JSON.stringify(step));
  assert.ok(sim.kv(anon, w.secret).ok);
  assert.ok(sim.auth(anon, { op: "authEnable" }).ok);
  const u = sim.client(w.user.name);
  const login = sim.auth(u, { op: "authenticate", ...w.user });
  assert.ok(login.ok);
  if (login.ok) u.useToken(login.value.token);
  return { sim, u };
}

/** Each case on a fresh simulated member (set up as below), with `bugs`. */
function runSim(bugs: BugName[]): string[] {
  const out: string[] = [];
  for (const c of CASES) {
    const { sim, u } = simFor(bugs);
    out.push(outcome(sim.kv(u, c.request)));
  }
  return out;
}

/** A real etcd, set up, auth on, and u's endpoint logged in. */
async function realFor<T>(run: (u: EtcdEndpoint, anon: EtcdEndpoint) => Promise<T>, w: World = WRITE_ONLY): Promise<T> {
  const server = await startRealEtcd(
    w.quotaBackendBytes !== undefined ? { extraArgs: [`--quota-backend-bytes=${w.quotaBackendBytes}`] } : {},
  );
  const leases = new LeaseIds();
  const url = server.clientUrl.replace(/^http:\/\//, "");
  const anon = new EtcdEndpoint("anon", url, leases);
  const u = new EtcdEndpoint(w.user.name, url, leases);
  try {
    for (const step of w.setup) assert.ok((await anon.auth(step, 5000)).ok, JSON.stringify(step));
    assert.ok((await anon.request(w.secret, 5000)).ok);
    assert.ok((await anon.auth({ op: "authEnable" }, 5000)).ok);
    const login = await u.auth({ op: "authenticate", ...w.user }, 5000);
    assert.ok(login.ok);
    if (login.ok) u.token = login.value.token;
    return await run(u, anon);
  } finally {
    anon.close();
    u.close();
    await server.stop();
  }
}

async function runReal(): Promise<string[]> {
  const out: string[] = [];
  for (const c of CASES) out.push(await realFor(async (u) => outcome(await u.request(c.request, 5000))));
  return out;
}

const availability = realEtcdAvailability();

/** Each real answer must be the mutant's where the server served the request, the member's where it refused. */
function assertAgreesWithOne(real: string[], clean: string[], mutant: string[], names: readonly string[]): void {
  real.forEach((r, i) =>
    assert.is(
      r,
      r.startsWith("ok") ? mutant[i] : clean[i],
      `${names[i]}: the real etcd answered ${r} (${real.join(" | ")})`,
    ),
  );
}

test("the Txn authorization advisories: the member refuses as a patched etcd; each mutant serves as an unpatched one; the real etcd agrees with one of them", async () => {
  if (availability.kind === "skipped") return console.log(availability.message);
  if (availability.kind === "missing") assert.unreachable(availability.message);
  const clean = runSim([]);
  assert.equal(clean, ["error permission-denied", "error permission-denied", "error permission-denied"]);
  for (const c of CASES) assert.not.ok(permits(authState(), "u", c.request), `the checker refuses ${c.name}`);
  const mutants = CASES.map((c, i) => runSim([c.bug])[i]!);
  assert.equal(mutants, ["ok put prev=secret", "ok txn[put]", "ok txn[range /w/a=secret]"]);
  assertAgreesWithOne(
    await runReal(),
    clean,
    mutants,
    CASES.map((c) => c.name),
  );
});

test("GHSA-xg4h-6gfc-h4m8: a watch from a single readable key to the end of the keyspace is refused by the member, created by the mutant, and the real etcd agrees with one of them", async () => {
  if (availability.kind === "skipped") return console.log(availability.message);
  if (availability.kind === "missing") assert.unreachable(availability.message);
  const watchIn = (bugs: BugName[]) => {
    const { sim, u } = simFor(bugs);
    return watchOutcome(sim.watch(u, FROM_KEY_WATCH));
  };
  const clean = watchIn([]);
  const mutant = watchIn(["etcd-auth-watch-from-key-as-key"]);
  assert.equal([clean, mutant], ["refused", "created"]);
  assert.not.ok(
    permits(authState(), "u", { kind: "range", range: { key: FROM_KEY_WATCH.key, rangeEnd: "\0" } }),
    "the checker refuses the read the watch stands for",
  );
  const real = await realFor(
    (u) =>
      new Promise<string>((resolve) => {
        const w = u.watch(
          FROM_KEY_WATCH,
          (r) => {
            w.close();
            resolve(watchOutcome(r));
          },
          (reason) => resolve(watchOutcome(reason)),
        );
        setTimeout(() => {
          w.close();
          resolve("no response");
        }, 3000);
      }),
  );
  assert.is(real, real === "created" ? mutant : clean, `the real etcd's watch was ${real}`);
});

/**
 * GHSA-q8m4-xhhv-38mg on the Maintenance service: a client with no token raises NOSPACE and lists the
 * alarms, a user without the root role disarms it, and defragments (etcd 3.4 already wanted root there).
 */
const MAINTENANCE_STEPS = ["tokenless activate", "tokenless list", "user disarm", "user defragment"] as const;
// etcd 3.4's Maintenance service returns the auth store's own error, not its gRPC form: "auth: permission denied".
const maintOutcome = (r: { ok: boolean; error?: string; reason?: string }): string =>
  r.ok ? "ok" : `error ${r.error ?? (r.reason === "auth: permission denied" ? "permission-denied" : r.reason)}`;

function maintenanceSim(bugs: BugName[]): string[] {
  const { sim, u } = simFor(bugs);
  const anon = sim.client("nobody-at-all");
  const m = (c: typeof u, req: MaintenanceRequest) => {
    const r = sim.maintenance(c, req);
    return maintOutcome(r.error === undefined ? { ok: true } : { ok: false, error: r.error });
  };
  return [
    m(anon, { op: "alarmActivate", member: "n1", alarm: "NOSPACE" }),
    m(anon, { op: "alarmList" }),
    m(u, { op: "alarmDisarm", member: "n1", alarm: "NOSPACE" }),
    m(u, { op: "defragment" }),
  ];
}

test("GHSA-q8m4-xhhv-38mg: the member wants root to change an alarm and a user to list them; the mutant lets anyone; the real etcd agrees with one of them", async () => {
  if (availability.kind === "skipped") return console.log(availability.message);
  if (availability.kind === "missing") assert.unreachable(availability.message);
  const clean = maintenanceSim([]);
  const mutant = maintenanceSim(["etcd-auth-alarm-unchecked"]);
  assert.equal(clean, ["error user-empty", "error user-empty", "error permission-denied", "error permission-denied"]);
  assert.equal(mutant, ["ok", "ok", "ok", "error permission-denied"]);
  const real = await realFor(async (u, anon) => {
    const st = await anon.status(5000);
    assert.ok(st.ok, "status");
    const id = st.ok ? st.value.memberId : "";
    return [
      maintOutcome(await anon.alarm("ACTIVATE", id, 5000)),
      maintOutcome(await anon.alarm("GET", id, 5000)),
      maintOutcome(await u.alarm("DEACTIVATE", id, 5000)),
      maintOutcome(await u.defragment(5000)),
    ];
  });
  assertAgreesWithOne(real, clean, mutant, MAINTENANCE_STEPS);
});

test("etcd #7181: a membership change without the root role is refused, by the member as by the real etcd; the mutant takes it", async () => {
  if (availability.kind === "skipped") return console.log(availability.message);
  if (availability.kind === "missing") assert.unreachable(availability.message);
  // The removal of an ID no cluster has: refused for the caller first; the mutant gets to "no such member".
  const simAnswers = (bugs: BugName[]) => {
    const { sim, u } = simFor(bugs);
    const anon = sim.client("nobody-at-all");
    return [anon, u].map((c) => `error ${sim.memberChange(c, { op: "remove", id: "n7" }) ?? "none"}`);
  };
  const clean = simAnswers([]);
  assert.equal(clean, ["error user-empty", "error permission-denied"]);
  assert.equal(simAnswers(["etcd-auth-member-change-unchecked"]), ["error invalid", "error invalid"]);
  const real = await realFor(async (u, anon) => [
    maintOutcome(await anon.memberRemove("12345", 5000)),
    maintOutcome(await u.memberRemove("12345", 5000)),
  ]);
  assert.equal(
    real,
    clean,
    "etcd 3.4 checks the caller's root role before the member ID (checkMembershipOperationPermission)",
  );
});

test("etcd #5182: root with an empty password is refused by the member and the real etcd; the mutant logs it in", async () => {
  if (availability.kind === "skipped") return console.log(availability.message);
  if (availability.kind === "missing") assert.unreachable(availability.message);
  const login = (bugs: BugName[]) => {
    const { sim } = simFor(bugs);
    const r = sim.auth(sim.client("guesser"), { op: "authenticate", name: "root", password: "" });
    return r.ok ? "ok" : `error ${r.error}`;
  };
  const clean = login([]);
  assert.equal([clean, login(["etcd-auth-empty-password-accepted"])], ["error auth-failed", "ok"]);
  const real = await realFor(async (_u, anon) => {
    const r = await anon.auth({ op: "authenticate", name: "root", password: "" }, 5000);
    return r.ok ? "ok" : `error ${r.unknown ? r.reason : r.error}`;
  });
  assert.is(real, clean);
});

const TENANT: World = {
  setup: [
    { op: "userAdd", name: "root", password: "rootpw" },
    { op: "userGrantRole", user: "root", role: "root" },
    { op: "userAdd", name: "t", password: "tpw" },
    { op: "roleAdd", name: "tenant" },
    {
      op: "roleGrantPermission",
      name: "tenant",
      perm: { key: "/tenant/", rangeEnd: "/tenant0", permType: "READWRITE" },
    },
    { op: "userGrantRole", user: "t", role: "tenant" },
  ],
  secret: { kind: "put", put: { key: "/secret/key", value: "s3cr3t" } },
  user: { name: "t", password: "tpw" },
  quotaBackendBytes: 200_000,
};
const SECRET_DELETE: EtcdRequest = { kind: "deleteRange", deleteRange: { key: "/secret/key" } };
const bigPut = (i: number): EtcdRequest => ({ kind: "put", put: { key: `/tenant/k${i}`, value: "x".repeat(8000) } });
const nospaceOutcome = (r: { ok: true; value: unknown } | { ok: false; error?: string; reason?: string }): string => {
  if (!r.ok) return `error ${r.error ?? r.reason}`;
  const v = r.value as { kind?: string; deleteRange?: { deleted: number } } | undefined;
  return v?.kind === "deleteRange" ? `ok deleted=${v.deleteRange?.deleted}` : "ok";
};

/** The tenant's delete before the alarm, how many big puts filled the quota, then its delete and auth disable during the alarm. */
function nospaceSim(bugs: BugName[]): string[] {
  const { sim, u: t } = simFor(bugs, TENANT);
  const out = [nospaceOutcome(sim.kv(t, SECRET_DELETE))];
  let full = false;
  for (let i = 0; i < 100 && !full; i++) full = !sim.kv(t, bigPut(i)).ok;
  sim.run(100_000); // the alarm's entry applies
  out.push(full ? "filled" : "never full");
  out.push(nospaceOutcome(sim.kv(t, SECRET_DELETE)));
  out.push(nospaceOutcome(sim.auth(t, { op: "authDisable" })));
  return out;
}

test("etcd PR #22386: during a NOSPACE alarm the member still checks a tenant's delete and auth disable; the mutant does not; the real etcd agrees with one of them", async () => {
  if (availability.kind === "skipped") return console.log(availability.message);
  if (availability.kind === "missing") assert.unreachable(availability.message);
  const clean = nospaceSim([]);
  const mutant = nospaceSim(["etcd-auth-dropped-during-nospace"]);
  assert.equal(clean, ["error permission-denied", "filled", "error permission-denied", "error permission-denied"]);
  assert.equal(mutant, ["error permission-denied", "filled", "ok deleted=1", "ok"]);
  const real = await realFor(async (t) => {
    const out = [nospaceOutcome(await t.request(SECRET_DELETE, 5000))];
    // etcd measures its backend when a batch commits (every 100 ms): on a fast machine 100 puts can all land
    // inside one batch, before any size is seen. So pause now and then, and allow more puts.
    let full = false;
    for (let i = 0; i < 400 && !full; i++) {
      full = !(await t.request(bigPut(i), 5000)).ok;
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 30));
    }
    await new Promise((r) => setTimeout(r, 300)); // the alarm's entry applies
    out.push(full ? "filled" : "never full");
    out.push(nospaceOutcome(await t.request(SECRET_DELETE, 5000)));
    out.push(nospaceOutcome(await t.auth({ op: "authDisable" }, 5000)));
    return out;
  }, TENANT);
  assertAgreesWithOne(real, clean, mutant, [
    "delete before the alarm",
    "fill",
    "delete during it",
    "auth disable during it",
  ]);
});

test.run();
