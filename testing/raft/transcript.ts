// Data-driven Raft transcripts (after etcd-io/raft's interaction tests and testdata/*.txt): a script of
// steps run against pure nodes (testkit.ts), printing every Ready each node hands out and every reason a
// node gives for dropping or ignoring a message. A file is a sequence of blocks:
//
//   # comments and blank lines between blocks are kept as they are
//   command args…
//   ----
//   the output the command produced (never blank lines)
//
// The runner (transcript.test.ts) replays each file and compares its own rendering with the file;
// REWRITE=1 writes the rendering back instead, so a behaviour change is reviewed as a diff.
//
// Commands (nodes are named by id; FROM>TO names a link; TYPE a message type):
//   nodes n1 n2 n3 [learners=n4,…] [prevote=false] [checkquorum=false] [election=N] [heartbeat=N]
//         [max-entries=N] [inflight=N] [sync=manual]     start a cluster (first command of a file)
//   add-node n4                 boot a node outside the bootstrap configuration (it knows nothing yet)
//   campaign n1 | tick n1 [N] | tick-all [N]
//   propose n1 DATA | propose-conf n1 CHANGE… [autoLeave=false] | read-index n1 CTX | transfer n1 n2
//       CHANGE: addVoter:n4 | removeVoter:n2 | addLearner:n5 (two or more make an enterJoint) | leaveJoint
//   deliver [FROM>TO] [TYPE]    deliver the matching queued messages (not what they cause), in order
//   drop [FROM>TO] [TYPE]       drop the matching queued messages
//   stabilize                   deliver and sync until nothing moves (no ticks)
//   inject FROM>TO TYPE k=v…    queue a hand-made message (term, index, logterm, commit, reject, hint, context)
//   partition n1 | n2 n3 · isolate n1 · cut n1>n2 · heal · crash n1 [keep=K] · restart n1 · sync n1 · compact n1
//   status [n1…]                term, role, leader, commit, applied, last index, configuration
//   queue                       the messages in flight
//   probes                      the Raft code probes hit since the file began (core/raft/probes.ts)
import { assert } from "../../core/assert.ts";
import { probeCounts, resetProbes } from "../../core/probes.ts";
import { RAFT_PROBES } from "../../core/raft/probes.ts";
import { Cluster, type ClusterOptions, type Envelope } from "./testkit.ts";
import {
  NO_ENTRIES,
  type ConfChange,
  type ConfChangeSingle,
  type Entry,
  type Message,
  type MessageType,
  type Ready,
} from "../../core/raft/types.ts";

export interface Block {
  /** Comment and blank lines before the command, verbatim. */
  readonly preamble: readonly string[];
  readonly command: string;
  readonly expected: readonly string[];
}

/** Splits a transcript into blocks; trailing comments become a block with an empty command. */
export function parseTranscript(text: string): Block[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const blocks: Block[] = [];
  let pre: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === "" || l.startsWith("#")) {
      pre.push(l);
      continue;
    }
    assert(lines[i + 1] === "----", () => `line ${i + 2}: expected "----" after the command "${l}"`);
    const out: string[] = [];
    let j = i + 2;
    while (j < lines.length && lines[j]!.trim() !== "") out.push(lines[j++]!);
    blocks.push({ preamble: pre, command: l, expected: out });
    pre = [];
    i = j - 1;
  }
  if (pre.length > 0) blocks.push({ preamble: pre, command: "", expected: [] });
  return blocks;
}

/** Runs every block of a transcript and renders the file as it should read. */
export function runTranscript(text: string): string {
  const run = new TranscriptRun();
  const out: string[] = [];
  for (const b of parseTranscript(text)) {
    out.push(...b.preamble);
    if (b.command === "") continue;
    out.push(b.command, "----", ...run.exec(b.command));
  }
  return out.join("\n") + "\n";
}

class TranscriptRun {
  private t: Cluster | undefined;
  private out: string[] = [];

  constructor() {
    resetProbes();
  }

  exec(command: string): string[] {
    this.out = [];
    try {
      this.dispatch(command.trim().split(/\s+/));
    } catch (e) {
      this.out.push(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
    return this.out.length > 0 ? this.out : ["ok"];
  }

  private get c(): Cluster {
    assert(this.t !== undefined, "no cluster yet: start with `nodes …`");
    return this.t;
  }

  private dispatch([cmd, ...args]: string[]): void {
    const kv = keyValues(args);
    const pos = args.filter((a) => !a.includes("="));
    switch (cmd) {
      case "nodes":
        this.start(pos, kv);
        return;
      case "add-node":
        for (const id of pos) this.c.addMember(id);
        return;
      case "campaign":
        this.c.campaign(pos[0]!);
        return;
      case "tick":
        this.c.tick(pos[0]!, Number(pos[1] ?? 1));
        return;
      case "tick-all":
        this.c.tickAll(Number(pos[0] ?? 1));
        return;
      case "propose":
        this.outcome(pos[0]!, this.c.propose(pos[0]!, pos.slice(1).join(" ")));
        return;
      case "propose-conf":
        this.outcome(pos[0]!, this.c.proposeConfChange(pos[0]!, confChangeOf(pos.slice(1), kv)));
        return;
      case "read-index":
        this.c.readIndex(pos[0]!, pos[1] ?? "");
        return;
      case "transfer":
        this.c.transferLeadership(pos[0]!, pos[1]!);
        return;
      case "deliver":
        this.c.deliverAll(matcher(pos));
        return;
      case "drop": {
        const n = this.c.drop(matcher(pos));
        this.out.push(`dropped ${n}`);
        return;
      }
      case "stabilize":
        this.c.stabilize();
        return;
      case "inject":
        this.inject(pos, kv);
        return;
      case "partition":
        this.c.partition(
          ...args
            .join(" ")
            .split("|")
            .map((g) =>
              g
                .trim()
                .split(/\s+/)
                .filter((x) => x !== ""),
            ),
        );
        return;
      case "isolate":
        this.c.isolate(pos[0]!);
        return;
      case "cut": {
        const [from, to] = pos[0]!.split(">");
        this.c.cut(from!, to!);
        return;
      }
      case "heal":
        this.c.heal();
        return;
      case "crash":
        this.c.crash(pos[0]!, Number(kv.get("keep") ?? 0));
        return;
      case "restart":
        this.c.restart(pos[0]!);
        return;
      case "sync":
        this.c.sync(pos[0]!);
        return;
      case "compact": {
        const s = this.c.compact(pos[0]!);
        this.out.push(`${pos[0]}: compacted to ${s.metadata.index}@${s.metadata.term}`);
        return;
      }
      case "status":
        for (const id of pos.length > 0 ? pos : this.c.ids()) this.out.push(this.status(id));
        return;
      case "queue":
        for (const e of this.c.queue) this.out.push(describeMessage(e.msg));
        return;
      case "probes":
        this.probes();
        return;
      default:
        throw new Error(`unknown command "${cmd}"`);
    }
  }

  private start(ids: string[], kv: Map<string, string>): void {
    assert(this.t === undefined, "`nodes` twice");
    const num = (k: string) => (kv.has(k) ? Number(kv.get(k)) : undefined);
    const bool = (k: string) => (kv.has(k) ? kv.get(k) === "true" : undefined);
    const opts: ClusterOptions = {
      ids,
      learners: kv.get("learners")?.split(","),
      preVote: bool("prevote"),
      checkQuorum: bool("checkquorum"),
      electionTicks: num("election"),
      heartbeatTicks: num("heartbeat"),
      maxEntriesPerMsg: num("max-entries"),
      maxInflight: num("inflight"),
      sync: kv.get("sync") === "manual" ? "manual" : "immediate",
      onReady: (id, rd) => this.ready(id, rd),
      onReason: (id, line) => this.out.push(`${id}: ${line}`),
    };
    this.t = new Cluster(opts);
  }

  private ready(id: string, rd: Ready): void {
    const head: string[] = [`${id}: Ready`];
    if (rd.softState !== undefined) head.push(`role=${rd.softState.role}`, `leader=${rd.softState.leader || "-"}`);
    if (rd.hardState !== undefined)
      head.push(`hs=${rd.hardState.term}/${rd.hardState.vote || "-"}/${rd.hardState.commit}`);
    if (rd.mustSync) head.push("sync");
    this.out.push(head.join(" "));
    if (rd.snapshot !== undefined) {
      const m = rd.snapshot.metadata;
      this.out.push(`  snapshot ${m.index}@${m.term} ${describeConf(m.confState)}`);
    }
    if (rd.entries.length > 0) this.out.push(`  entries ${rd.entries.map(describeEntry).join(" ")}`);
    if (rd.committedEntries.length > 0) this.out.push(`  apply ${rd.committedEntries.map(describeEntry).join(" ")}`);
    for (const m of rd.messagesBeforeSync) this.out.push(`  send-before-sync ${describeMessage(m)}`);
    for (const m of rd.messages) this.out.push(`  send ${describeMessage(m)}`);
    for (const r of rd.readStates) this.out.push(`  read ${r.context}@${r.index}`);
  }

  private outcome(id: string, o: ReturnType<Cluster["propose"]>): void {
    this.out.push(
      o.kind === "appended"
        ? `${id}: appended ${o.index}@${o.term}`
        : o.kind === "forwarded"
          ? `${id}: forwarded to ${o.leader}`
          : `${id}: dropped (${o.reason})`,
    );
  }

  private inject(pos: string[], kv: Map<string, string>): void {
    const [from, to] = pos[0]!.split(">");
    const num = (k: string) => Number(kv.get(k) ?? 0);
    const msg: Message = {
      type: pos[1] as MessageType,
      from: from!,
      to: to!,
      term: num("term"),
      logTerm: num("logterm"),
      index: num("index"),
      entries: NO_ENTRIES,
      commit: num("commit"),
      reject: kv.get("reject") === "true",
      rejectHint: num("hint"),
      ...(kv.has("context") ? { context: kv.get("context") } : {}),
    };
    this.c.queue.push({ from: from!, to: to!, msg });
  }

  private status(id: string): string {
    if (!this.c.isUp(id)) return `${id}: down`;
    const n = this.c.node(id);
    const conf = describeConf({ voters: n.voters, learners: n.learners, votersOutgoing: n.votersOutgoing });
    return `${id}: term=${n.term} vote=${n.vote || "-"} ${n.roleKind} leader=${n.leader || "-"} commit=${n.commitIndex} applied=${n.applied} last=${n.lastIndex}@${n.lastTerm} ${conf}`;
  }

  private probes(): void {
    const counts = probeCounts();
    for (const name of Object.keys(RAFT_PROBES)) {
      const k = counts.get(name);
      if (k !== undefined) this.out.push(`${name} ×${k}`);
    }
  }
}

function keyValues(args: readonly string[]): Map<string, string> {
  const kv = new Map<string, string>();
  for (const a of args) {
    const at = a.indexOf("=");
    if (at > 0) kv.set(a.slice(0, at), a.slice(at + 1));
  }
  return kv;
}

/** `FROM>TO` (either side may be `*`) and/or a message type; no arguments match everything. */
function matcher(pos: readonly string[]): (e: Envelope) => boolean {
  let from = "*",
    to = "*",
    type = "*";
  for (const p of pos) {
    if (p.includes(">")) [from, to] = p.split(">") as [string, string];
    else type = p;
  }
  return (e) =>
    (from === "*" || e.from === from) && (to === "*" || e.to === to) && (type === "*" || e.msg.type === type);
}

function confChangeOf(specs: readonly string[], kv: Map<string, string>): ConfChange {
  if (specs[0] === "leaveJoint") return { type: "leaveJoint" };
  const changes = specs.map((s): ConfChangeSingle => {
    const [type, nodeId] = s.split(":");
    return { type: type as ConfChangeSingle["type"], nodeId: nodeId! };
  });
  if (changes.length === 1 && !kv.has("autoLeave") && kv.get("joint") !== "true") return changes[0]!;
  return { type: "enterJoint", changes, ...(kv.has("autoLeave") ? { autoLeave: kv.get("autoLeave") === "true" } : {}) };
}

function describeConf(c: {
  voters: readonly string[];
  learners: readonly string[];
  votersOutgoing?: readonly string[];
}): string {
  let d = `voters=${c.voters.join(",")}`;
  if (c.votersOutgoing !== undefined && c.votersOutgoing.length > 0) d += ` outgoing=${c.votersOutgoing.join(",")}`;
  if (c.learners.length > 0) d += ` learners=${c.learners.join(",")}`;
  return d;
}

function describeEntry(e: Entry): string {
  const at = `${e.index}@${e.term}`;
  if (e.type === "confChange") {
    const cc = e.data as ConfChange;
    if (cc.type === "leaveJoint") return `${at}:leaveJoint`;
    if (cc.type === "enterJoint")
      return `${at}:enterJoint(${cc.changes.map((c) => `${c.type}:${c.nodeId}`).join(",")})`;
    return `${at}:${cc.type}:${cc.nodeId}`;
  }
  return e.data === null ? at : `${at}:${String(e.data)}`;
}

/** One message, with the fields that matter for its type. */
export function describeMessage(m: Message): string {
  const parts = [`${m.from || "local"}->${m.to || "local"}`, m.type, `term=${m.term}`];
  switch (m.type) {
    case "MsgVote":
    case "MsgPreVote":
      parts.push(`last=${m.index}@${m.logTerm}`);
      if (m.context !== undefined) parts.push(`context=${m.context}`);
      break;
    case "MsgVoteResp":
    case "MsgPreVoteResp":
      parts.push(m.reject ? "reject" : "grant");
      break;
    case "MsgApp":
      parts.push(`prev=${m.index}@${m.logTerm}`, `commit=${m.commit}`);
      if (m.entries.length > 0) parts.push(`entries=[${m.entries.map(describeEntry).join(" ")}]`);
      break;
    case "MsgAppResp":
      parts.push(m.reject ? `reject=${m.index} hint=${m.rejectHint}@${m.logTerm}` : `index=${m.index}`);
      break;
    case "MsgHeartbeat":
      parts.push(`commit=${m.commit}`);
      if (m.context !== undefined) parts.push(`context=${m.context}`);
      break;
    case "MsgHeartbeatResp":
    case "MsgReadIndex":
      if (m.context !== undefined) parts.push(`context=${m.context}`);
      break;
    case "MsgReadIndexResp":
      parts.push(`index=${m.index}`, `context=${m.context ?? ""}`);
      break;
    case "MsgSnap": {
      const md = m.snapshot?.metadata;
      if (md !== undefined) parts.push(`snapshot=${md.index}@${md.term}`, describeConf(md.confState));
      break;
    }
    case "MsgProp":
      parts.push(`entries=[${m.entries.map((e) => (e.type === "confChange" ? "conf" : String(e.data))).join(" ")}]`);
      break;
    default:
      break;
  }
  return parts.join(" ");
}
