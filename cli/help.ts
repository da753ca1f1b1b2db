// Help texts: plain strings, no imports, so `etcdsim --help` loads nothing else.

export const HELP = `etcdsim — deterministic simulation and fault injection for etcd, Raft and the Kubernetes control plane

Usage:
  etcdsim run       [--scenario NAME|FILE.json] [--seed N] [--bug NAME]... [--json]
                    [--report DIR] [--trace FILE.jsonl] [--save-replay FILE.json]
                    [--replay FILE.json] [--verify-determinism]
  etcdsim sweep     [--scenario NAME|FILE.json] [--seeds A..B | --count N] [--workers N] [--shard I/N]
                    [--bug NAME]... [--stop-on-failure] [--json] [--junit FILE]
  etcdsim shrink    --scenario NAME|FILE.json --seed N [--bug NAME]... [--out FILE.json] [--json]
                    [--max-evaluations N]
  etcdsim check     HISTORY [--format jsonl|porcupine-kv|porcupine-etcd|jepsen-edn] [--timeout SECONDS] [--threads N]
                    [--max-txn-ops N] [--max-request-bytes N] [--json] [--report DIR]
  etcdsim scenarios [--json]
  etcdsim bugs      [--bug NAME]... [--json] [--hunt [--seeds N] [--budget-s S]]
  etcdsim bench     [--json] [--only SUITE] [--time-ms MS]
  etcdsim explore   --scenario NAME|FILE.json --vary PATH=V1,V2,… [--vary …] [--seeds A..B] [--json]
                    [--report FILE.html]
  etcdsim --version | --help | COMMAND --help

Exit codes: 0 every check passed, 1 a check failed, 2 bad usage or input, 3 inconclusive,
130 interrupted (SIGINT/SIGTERM; partial results are printed and written).
Run \`etcdsim COMMAND --help\` for what each flag means.`;

export const RUN_HELP = `etcdsim run [--scenario NAME|FILE.json] [--seed N] [--bug NAME]... [--json]
            [--report DIR] [--trace FILE.jsonl] [--save-replay FILE.json]
            [--replay FILE.json] [--verify-determinism]

Runs one scenario under one seed and checks its history.
  --scenario NAME|FILE  a scenario name (see \`etcdsim scenarios\`) or a scenario JSON file (default: smoke)
  --seed N              unsigned 32-bit seed, decimal or 0x-hex (default: the file's, else a random one, printed)
  --bug NAME            switch on a mutant from the catalog (repeatable; see \`etcdsim bugs\`)
  --json                print one JSON object (docs/FORMATS.md) instead of the text summary
  --report DIR          write the self-contained HTML report and the run's JSON/JSONL files to DIR
  --trace FILE          write the event trace, one JSON line per event (columns: i t k p to m h)
  --save-replay FILE    save this run (options and fault schedule) as a replay file
  --replay FILE         re-execute a saved replay (its own seed; not with --scenario or --seed)
  --verify-determinism  run twice; if the trace hashes differ, name the first differing event
Output paths are checked before the run; files are written whole or not at all.
Exit: 0 pass, 1 a check failed, 2 bad input, 3 inconclusive, 130 interrupted.`;

export const SWEEP_HELP = `etcdsim sweep [--scenario NAME|FILE.json] [--seeds A..B | --count N] [--workers N] [--shard I/N]
              [--bug NAME]... [--stop-on-failure] [--json] [--junit FILE]

Runs a scenario over many seeds.
  --seeds A..B       an inclusive seed range (default 1..100)
  --count N          seeds 1..N
  --workers N        worker processes, one core each (default 1: in this process); results do not
                     depend on it
  --shard I/N        run only shard I of N (1-based; every N-th seed), for many machines
  --bug NAME         switch on a mutant (repeatable)
  --stop-on-failure  stop at the first failing seed
  --json             print one JSON object (docs/FORMATS.md)
  --junit FILE       write JUnit XML, one testcase per seed
Interrupted (Ctrl-C, SIGTERM): prints the partial summary, writes the partial JUnit (marked
interrupted) and exits 130.
Exit: 0 all passed, 1 a seed failed, 2 bad input, 3 inconclusive, 130 interrupted.`;

export const SHRINK_HELP = `etcdsim shrink --scenario NAME|FILE.json --seed N [--bug NAME]... [--out FILE.json] [--json] [--max-evaluations N]

Minimizes a failing run (fewer faults, shorter windows, fewer clients and operations, a smaller cluster)
while the same checker still fails, and writes the minimal replay (default shrunk-SCENARIO-SEED.json).
Exit: 0 shrunk and written, 1 the seed does not fail (nothing to shrink), 2 bad input, 3 inconclusive.`;

export const SCENARIOS_HELP = "etcdsim scenarios [--json]\n\nLists the named scenarios.";

export const BUGS_HELP = `etcdsim bugs [--bug NAME]... [--json] [--hunt [--seeds N] [--budget-s S]]

Lists the mutant catalog (or only the named mutants); --hunt runs each mutant's scenario over seeds
1..N (default 200, at most S seconds each, default 60) until a checker catches it, then runs the clean
build over the same seeds, which must pass.`;

export const EXPLORE_HELP = `etcdsim explore --scenario NAME|FILE.json --vary PATH=V1,V2,… [--vary …] [--seeds A..B] [--json]
                [--report FILE.html]

Runs a scenario over a grid of option values × seeds and prints, per grid point, the latency of each
layer (etcd requests on the leader and on followers; for etcd scenarios each client operation kind;
for Kubernetes scenarios apiserver mutating calls and lists, informer delivery lag, work-queue wait,
pod startup, each kubectl step's time to ready): median and p99 over every operation of every seed,
and the per-seed p99's min, median and max.
  --scenario NAME|FILE  an etcd or Kubernetes scenario (smoke, kv-chaos…, deployment-rollout…) or a scenario file
  --vary PATH=V1,V2,…   an option path (as in a scenario file's options, e.g. disk.fsyncUs, disk.profile,
                        network.rttUs) and its values; repeat for a cartesian grid
  --seeds A..B          an inclusive seed range (default 1..10)
  --json                print one JSON object (docs/FORMATS.md)
  --report FILE.html    write a self-contained HTML page: one line per quantile across the grid
Exit: 0 every run passed, 1 a run failed a check, 2 bad input, 3 inconclusive.`;
