// Starts and stops one real etcd (Debian's etcd-server, 3.4.x) for the differential tests: a
// temporary --data-dir, free ports on 127.0.0.1 (never 2379/2380), fast Raft timings, and a kill by
// PID at the end — also when the test process dies of an error or a signal.
// Not part of the simulated world: this file may use real time, real processes and real sockets.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Set to 1 to skip (visibly) the tests that need a real etcd. Never named ETCD_*: etcd reads those as flags. */
export const SKIP_ENV = "ETCDSIM_SKIP_REAL_ETCD";
export const INSTALL_HINT = "apt-get install -y etcd-server";

export type EtcdAvailability =
  | { kind: "available"; binary: string; version: string }
  | { kind: "skipped"; message: string }
  | { kind: "missing"; message: string };

/** Finds the etcd binary; says whether the real-etcd tests run, are skipped on request, or must fail. */
export function realEtcdAvailability(): EtcdAvailability {
  if (process.env[SKIP_ENV] === "1") {
    return { kind: "skipped", message: `real-etcd tests SKIPPED because ${SKIP_ENV}=1 (CI must not set it)` };
  }
  const binary = findEtcdBinary();
  if (binary === undefined) {
    return {
      kind: "missing",
      message:
        `a real etcd is required for the differential tests but none was found (looked for /usr/bin/etcd and etcd on PATH). ` +
        `Install it with \`${INSTALL_HINT}\` (Debian's etcd-server, etcd 3.4), or set ${SKIP_ENV}=1 to skip these tests locally.`,
    };
  }
  const out = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 5000, env: cleanEnv() });
  const version = /etcd Version:\s*(\S+)/.exec(out.stdout ?? "")?.[1] ?? "unknown";
  return { kind: "available", binary, version };
}

export function findEtcdBinary(): string | undefined {
  if (existsSync("/usr/bin/etcd")) return "/usr/bin/etcd";
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir !== "" && existsSync(join(dir, "etcd"))) return join(dir, "etcd");
  }
  return undefined;
}

export interface RealEtcd {
  /** e.g. "http://127.0.0.1:41234" */
  readonly clientUrl: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly version: string;
  /** Kills the server by PID (SIGTERM, then SIGKILL after 3 s) and removes its data dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** How long to wait for the first answer, ms. */
  readyTimeoutMs?: number;
  /** Extra etcd flags. */
  extraArgs?: string[];
}

/** Starts a single-member etcd and waits until its KV API answers. Throws with the server's log tail on failure. */
export async function startRealEtcd(opts: StartOptions = {}): Promise<RealEtcd> {
  const avail = realEtcdAvailability();
  if (avail.kind !== "available") throw new Error(avail.message);
  const [clientPort, peerPort] = await freePorts(2);
  // /dev/shm keeps etcd's fsyncs cheap; the data is thrown away anyway.
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const dataDir = mkdtempSync(join(base, "etcdsim-real-etcd-"));
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    "--name",
    "etcdsim-oracle",
    "--data-dir",
    dataDir,
    "--listen-client-urls",
    clientUrl,
    "--advertise-client-urls",
    clientUrl,
    "--listen-peer-urls",
    peerUrl,
    "--initial-advertise-peer-urls",
    peerUrl,
    "--initial-cluster",
    `etcdsim-oracle=${peerUrl}`,
    "--initial-cluster-state",
    "new",
    "--heartbeat-interval=10",
    "--election-timeout=100",
    "--log-level",
    "warn",
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(avail.binary, args, { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (d: Buffer) => {
    log += d.toString();
    if (log.length > 20000) log = log.slice(-10000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${avail.binary}`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopped = false;
  const killNow = () => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const onExit = () => {
    killNow();
    try {
      rmSync(dataDir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    onExit();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", onExit);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
      const timer = setTimeout(killNow, 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `etcd exited during startup (code ${child.exitCode}, signal ${child.signalCode}):\n${log.slice(-3000)}`,
      );
    }
    if (await answers(clientUrl)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `etcd did not answer on ${clientUrl} within ${opts.readyTimeoutMs ?? 15000} ms:\n${log.slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { clientUrl, pid, dataDir, version: avail.version, stop };
}

/** True when a linearizable read succeeds (a leader exists). Bounded by a timeout: /health and reads can block. */
async function answers(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/v3/kv/range`, {
      method: "POST",
      body: JSON.stringify({ key: Buffer.from("etcdsim-ready").toString("base64") }),
      signal: AbortSignal.timeout(500),
    });
    await res.text();
    return res.ok;
  } catch {
    return false;
  }
}

/** etcd treats every ETCD_* variable as a flag: never pass any through. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("ETCD_")) env[k] = v;
  return env;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import("node:net").Server>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    if (addr === null || typeof addr === "string") throw new Error("no port");
    return addr.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}
