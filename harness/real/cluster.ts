// A real etcd cluster on 127.0.0.1 for `etcdsim real`: N etcd processes with fresh data dirs under one
// run directory, free ports, fast Raft timings, and a TcpProxy in front of every peer and client port
// (members advertise the proxies, so peer and client traffic goes through them). Faults act on the
// processes (SIGKILL + restart, SIGSTOP/SIGCONT, remove/add) and on the proxies. Everything is stopped
// and removed on stop(), on process exit and on SIGINT/SIGTERM.
// Real time and real processes: outside the simulated world.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EtcdEndpoint, LeaseIds } from "./grpc.ts";
import { TcpProxy } from "./proxy.ts";

export interface ClusterOptions {
  binary: string;
  members: number;
  heartbeatMs: number;
  electionMs: number;
  snapshotCount: number;
  /** Where the run directory is made (default /dev/shm if present, else the OS temp dir). */
  baseDir?: string;
  /** Called with one line per notable event (started, killed, leader…). */
  log?: (line: string) => void;
}

// Fast, but with room for a loaded 2-core CI machine: a starved heartbeat must not look like a dead leader.
export const CLUSTER_DEFAULTS = { heartbeatMs: 50, electionMs: 500, snapshotCount: 2000 } as const;

export interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  clientProxy: TcpProxy;
  peerProxy: TcpProxy;
  dataDir: string;
  proc: ChildProcess | undefined;
  paused: boolean;
  /** etcd's member id (decimal string, as the API returns it) and its hex form (as peer headers carry it). */
  id: string;
  /** In the configuration (false between a remove and the following add). */
  inCluster: boolean;
  log: string;
  /** Times its ports were found taken at start (another process got them first) and re-picked. */
  portRetries: number;
  /** Sent SIGTERM and not yet exited: its exit is expected, not a crash to report. */
  terminating?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every live cluster of this process, for the exit and signal handlers. */
const live = new Set<EtcdCluster>();
let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const c of live) c.killNowSync();
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      // Kill, then wait (bounded) until each etcd is reaped, so none outlives etcdsim by a moment.
      const dying = [...live].flatMap((c) =>
        c.members.map((m) => m.proc).filter((p): p is ChildProcess => p !== undefined),
      );
      const reaped = Promise.all(
        dying.map(
          (p) =>
            new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once("exit", () => r()))),
        ),
      );
      const dirs = [...live].map((c) => c.runDir);
      for (const c of live) c.killNowSync();
      void Promise.race([reaped, sleep(3000)]).then(() => {
        for (const d of dirs)
          try {
            rmSync(d, { recursive: true, force: true });
          } catch {
            /* best effort */
          }
        process.exit(sig === "SIGINT" ? 130 : 143);
      });
    });
  }
}

/** etcd reads every ETCD_* variable as a flag: pass none through. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("ETCD_")) env[k] = v;
  return env;
}

export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

export class EtcdCluster {
  readonly members: Member[] = [];
  readonly leases = new LeaseIds();
  readonly runDir: string;
  private readonly admin = new Map<string, EtcdEndpoint>();
  private stopped = false;
  /** Members that exited on their own (not killed by a fault or at the end), with their log tails. */
  readonly exits: { member: string; code: number | null; signal: string | null; logTail: string }[] = [];

  constructor(readonly o: ClusterOptions) {
    const base = o.baseDir ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
    mkdirSync(base, { recursive: true });
    this.runDir = mkdtempSync(join(base, "etcdsim-real-"));
    live.add(this);
    installHandlers();
  }

  private note(s: string): void {
    this.o.log?.(s);
  }

  /** The address clients dial for a member: its client proxy. */
  clientAddress(m: Member): string {
    return `127.0.0.1:${m.clientProxy.port}`;
  }

  peerUrl(m: Member): string {
    return `http://127.0.0.1:${m.peerProxy.port}`;
  }

  member(name: string): Member {
    const m = this.members.find((x) => x.name === name);
    if (m === undefined) throw new Error(`no member ${name}`);
    return m;
  }

  /** An admin endpoint per member (Status, HashKV, member changes), apart from the workload's. */
  endpoint(name: string): EtcdEndpoint {
    let e = this.admin.get(name);
    if (e === undefined) {
      e = new EtcdEndpoint(name, this.clientAddress(this.member(name)), this.leases);
      this.admin.set(name, e);
    }
    return e;
  }

  /** `etcd --version`'s "etcd Version:", read at start. */
  version = "unknown";

  async start(readyTimeoutMs = 20_000): Promise<void> {
    const v = spawnSync(this.o.binary, ["--version"], { encoding: "utf8", timeout: 10_000, env: cleanEnv() });
    this.version = /etcd Version:\s*(\S+)/.exec(v.stdout ?? "")?.[1] ?? "unknown";
    const n = this.o.members;
    // Proxies first (they hold their ports), then the members' own ports: the two cannot collide.
    for (let i = 0; i < n; i++) {
      const name = `n${i + 1}`;
      const clientProxy = new TcpProxy("127.0.0.1", 0);
      const peerProxy = new TcpProxy("127.0.0.1", 0, true);
      await clientProxy.listen();
      await peerProxy.listen();
      const dataDir = join(this.runDir, name);
      this.members.push({
        name,
        clientPort: 0,
        peerPort: 0,
        clientProxy,
        peerProxy,
        dataDir,
        proc: undefined,
        paused: false,
        id: "",
        inCluster: true,
        log: "",
        portRetries: 0,
      });
    }
    const ports = await freePorts(2 * n);
    this.members.forEach((m, i) => this.setPorts(m, ports[2 * i]!, ports[2 * i + 1]!));
    const initial = this.members.map((m) => `${m.name}=${this.peerUrl(m)}`).join(",");
    for (const m of this.members) this.spawn(m, initial, "new");
    await this.waitHealthy(readyTimeoutMs);
    await this.refreshIds();
    this.note(
      `cluster up: ${this.members.map((m) => `${m.name} pid ${m.proc?.pid} client ${this.clientAddress(m)}`).join(", ")}`,
    );
  }

  /** Members listen on these; only their proxies know them (members advertise the proxies). */
  private setPorts(m: Member, clientPort: number, peerPort: number): void {
    m.clientPort = clientPort;
    m.peerPort = peerPort;
    m.clientProxy.targetPort = clientPort;
    m.peerProxy.targetPort = peerPort;
  }

  private spawn(m: Member, initialCluster: string, state: "new" | "existing"): void {
    const clientUrl = `http://127.0.0.1:${m.clientPort}`;
    const args = [
      "--name",
      m.name,
      "--data-dir",
      m.dataDir,
      "--listen-client-urls",
      clientUrl,
      "--advertise-client-urls",
      `http://${this.clientAddress(m)}`,
      "--listen-peer-urls",
      `http://127.0.0.1:${m.peerPort}`,
      "--initial-advertise-peer-urls",
      this.peerUrl(m),
      "--initial-cluster",
      initialCluster,
      "--initial-cluster-state",
      state,
      "--initial-cluster-token",
      `etcdsim-${this.runDir.slice(-6)}`,
      `--heartbeat-interval=${this.o.heartbeatMs}`,
      `--election-timeout=${this.o.electionMs}`,
      `--snapshot-count=${this.o.snapshotCount}`,
      // Clients ping every second to notice a paused or cut-off member; etcd's default would refuse that.
      "--grpc-keepalive-min-time=500ms",
      // etcd 3.4 logs through capnslog unless told otherwise (3.5 and later: zap only, the default).
      ...(this.version.startsWith("3.4.") ? ["--logger", "zap"] : []),
      "--log-level",
      "warn",
    ];
    const proc = spawn(this.o.binary, args, { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    m.proc = proc;
    m.paused = false;
    const keep = (d: Buffer) => {
      m.log += d.toString();
      if (m.log.length > 40_000) m.log = m.log.slice(-20_000);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    proc.once("exit", (code, sig) => {
      if (m.proc === proc) m.proc = undefined;
      if (!this.stopped && sig !== "SIGKILL" && m.terminating !== true && m.inCluster) {
        const tail = m.log
          .trim()
          .split("\n")
          .filter((l) => /panic|fatal|"level":"(fatal|panic|error)"/i.test(l))
          .slice(0, 3)
          .join("\n    ")
          .slice(0, 1500);
        this.note(`${m.name} exited by itself (code ${code}, signal ${sig})${tail ? `; log tail:\n    ${tail}` : ""}`);
        this.exits.push({ member: m.name, code, signal: sig, logTail: m.log.slice(-4000) });
      }
      // A free port can be taken by another process between the pick and etcd's bind: pick again.
      if (!this.stopped && m.inCluster && m.portRetries < 5 && /address already in use/.test(m.log.slice(-3000))) {
        m.portRetries++;
        m.log = "";
        void freePorts(2).then(([c, p]) => {
          if (this.stopped || m.proc !== undefined) return;
          this.setPorts(m, c!, p!);
          this.spawn(m, initialCluster, state);
        });
      }
    });
  }

  running(): Member[] {
    return this.members.filter((m) => m.proc !== undefined && m.inCluster);
  }

  /** Waits until every member in the configuration answers Status and all agree on one leader. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let last = "";
    for (;;) {
      const st = await Promise.all(
        this.members
          .filter((m) => m.inCluster)
          .map(async (m) => {
            if (m.proc === undefined) return { m, err: "not running" };
            const r = await this.endpoint(m.name).status(500);
            return r.ok ? { m, leader: r.value.leader } : { m, err: r.unknown ? r.reason : r.error };
          }),
      );
      const leaders = new Set(st.map((s) => ("leader" in s ? s.leader : "?")));
      if (st.every((s) => "leader" in s && s.leader !== "0") && leaders.size === 1) return;
      last = st.map((s) => `${s.m.name}: ${"leader" in s ? `leader ${s.leader}` : s.err}`).join(", ");
      if (performance.now() > deadline) {
        const dead = this.members.find((m) => m.inCluster && m.proc === undefined);
        throw new Error(
          `cluster not healthy after ${timeoutMs} ms (${last})${dead ? `; ${dead.name} log tail:\n${dead.log.slice(-2000)}` : ""}`,
        );
      }
      await sleep(100);
    }
  }

  /** Reads member ids (decimal and hex) from the member list. */
  async refreshIds(): Promise<void> {
    for (const m of this.running()) {
      const r = await this.endpoint(m.name).memberList(2000);
      if (!r.ok) continue;
      for (const x of r.value) {
        const mm = this.members.find(
          (y) => y.name === x.name || (x.name === "" && x.peerURLs.includes(this.peerUrl(y))),
        );
        if (mm) mm.id = x.id;
      }
      return;
    }
  }

  /** The member name for a peer header's hex id. */
  nameOfHex(hex: string): string | undefined {
    return this.members.find((m) => m.id !== "" && BigInt(m.id).toString(16) === hex)?.name;
  }

  /** The leader as the running members report it (maintenance Status), if they agree on one. */
  async leader(timeoutMs = 1000): Promise<string | undefined> {
    const st = await Promise.all(
      this.running()
        .filter((m) => !m.paused)
        .map(async (m) => {
          const r = await this.endpoint(m.name).status(timeoutMs);
          return r.ok ? r.value : undefined;
        }),
    );
    let best: { leader: string; term: number } | undefined;
    for (const s of st)
      if (s && s.leader !== "0" && (best === undefined || s.raftTerm > best.term))
        best = { leader: s.leader, term: s.raftTerm };
    return best === undefined ? undefined : this.members.find((m) => m.id === best!.leader)?.name;
  }

  // ---- process faults --------------------------------------------------------------------------

  async kill(name: string): Promise<void> {
    const m = this.member(name);
    const p = m.proc;
    if (p === undefined) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    try {
      process.kill(p.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
    await exited;
    m.paused = false;
    m.clientProxy.resetAll();
    m.peerProxy.resetAll();
  }

  /**
   * SIGTERM: etcd stops gracefully (a leader first moves leadership to the peer it has been connected to
   * longest, waiting up to its request timeout); SIGKILL if it has not exited within 15 s.
   */
  async terminate(name: string): Promise<void> {
    const m = this.member(name);
    const p = m.proc;
    if (p === undefined) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    m.terminating = true;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(p.pid!, sig);
      } catch {
        /* gone */
      }
    };
    // A paused member handles SIGTERM only once it runs again.
    if (m.paused) signal("SIGCONT");
    signal("SIGTERM");
    const hard = setTimeout(() => signal("SIGKILL"), 15_000);
    await exited;
    clearTimeout(hard);
    m.terminating = false;
    m.paused = false;
    m.clientProxy.resetAll();
    m.peerProxy.resetAll();
  }

  restart(name: string): void {
    const m = this.member(name);
    if (m.proc !== undefined || !m.inCluster) return;
    // With a data dir, etcd ignores the initial-cluster flags; they only have to be well-formed.
    this.spawn(m, `${m.name}=${this.peerUrl(m)}`, "new");
  }

  pause(name: string): void {
    const m = this.member(name);
    if (m.proc?.pid === undefined || m.paused) return;
    try {
      process.kill(m.proc.pid, "SIGSTOP");
      m.paused = true;
    } catch {
      /* gone */
    }
  }

  resume(name: string): void {
    const m = this.member(name);
    if (m.proc?.pid === undefined || !m.paused) return;
    try {
      process.kill(m.proc.pid, "SIGCONT");
    } catch {
      /* gone */
    }
    m.paused = false;
  }

  // ---- membership --------------------------------------------------------------------------------

  /**
   * Removes a member through another one, waits for its process to stop, wipes its data, adds it back
   * as a new member and starts it empty: etcd's replace-a-member procedure. Returns what happened.
   */
  async replace(name: string, timeoutMs: number): Promise<string> {
    const m = this.member(name);
    const via = this.running().find((x) => x !== m && !x.paused);
    if (via === undefined) return "no member to ask";
    if (m.id === "") await this.refreshIds();
    // etcd refuses while the change would leave too few active members (strict reconfiguration
    // check: "unhealthy cluster"), e.g. right after a restart: ask again for a while.
    // Out of the configuration from now on: its own exit after the removal is expected.
    m.inCluster = false;
    let rm = await this.endpoint(via.name).memberRemove(m.id, timeoutMs);
    for (let i = 0; !rm.ok && i < 12; i++) {
      await sleep(500);
      rm = await this.endpoint(via.name).memberRemove(m.id, timeoutMs);
    }
    if (!rm.ok) {
      m.inCluster = true;
      return `remove refused: ${rm.unknown ? rm.reason : rm.error}`;
    }
    if (m.proc !== undefined) {
      this.resume(name);
      const p = m.proc;
      const exited = new Promise<void>((r) => p.once("exit", () => r()));
      await Promise.race([exited, sleep(3000)]);
      if (m.proc !== undefined) await this.kill(name);
    }
    m.clientProxy.resetAll();
    m.peerProxy.resetAll();
    rmSync(m.dataDir, { recursive: true, force: true });
    for (let attempt = 0; attempt < 20; attempt++) {
      const via2 = this.running().find((x) => !x.paused);
      if (via2 === undefined) break;
      const add = await this.endpoint(via2.name).memberAdd([this.peerUrl(m)], timeoutMs);
      if (add.ok) {
        m.id = add.value.id;
        m.inCluster = true;
        const initial = this.members
          .filter((x) => x.inCluster)
          .map((x) => `${x.name}=${this.peerUrl(x)}`)
          .join(",");
        this.spawn(m, initial, "existing");
        return "removed and re-added";
      }
      await sleep(250);
    }
    return "removed; the add was refused";
  }

  // ---- teardown ----------------------------------------------------------------------------------

  /** Synchronous last resort (exit and signal handlers): SIGKILL every member, remove the run dir. */
  killNowSync(): void {
    this.stopped = true;
    for (const m of this.members) {
      const pid = m.proc?.pid;
      if (pid !== undefined)
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
    }
    try {
      rmSync(this.runDir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
    live.delete(this);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const e of this.admin.values()) e.close();
    await Promise.all(
      this.members.map(async (m) => {
        const p = m.proc;
        if (p?.pid === undefined) return;
        const exited = new Promise<void>((r) => p.once("exit", () => r()));
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          /* gone */
        }
        await Promise.race([exited, sleep(3000)]);
      }),
    );
    await Promise.all(this.members.flatMap((m) => [m.clientProxy.close(), m.peerProxy.close()]));
    rmSync(this.runDir, { recursive: true, force: true });
    live.delete(this);
  }
}
