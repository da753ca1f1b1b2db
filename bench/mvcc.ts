// MVCC store throughput beside a bare Map in the same run (ratios, not absolutes, are comparable).
import { MvccStore, WatchHub } from "../core/mvcc/index.ts";
import { casWorkload, mapWorkload, putWorkload } from "../harness/mvcc/bench-workloads.ts";
import type { BenchCase } from "./types.ts";

const N = 2_000;

export function mvccCases(): BenchCase[] {
  const store = new MvccStore();
  for (let i = 0; i < 1_000; i++)
    store.put({ key: `/registry/pods/default/pod-${String(i).padStart(4, "0")}`, value: `v${i}` });
  const map = new Map<string, string>();
  for (let i = 0; i < 1_000; i++) map.set(`/registry/pods/default/pod-${String(i).padStart(4, "0")}`, `v${i}`);
  const fanStore = new MvccStore();
  const hub = new WatchHub(fanStore);
  // biome-ignore lint/correctness/noUnusedVariables: the watchers write it so delivery has an effect
  let delivered = 0;
  for (let i = 0; i < 100; i++)
    hub
      .openStream(() => {
        delivered++;
      })
      .watch({ key: "/w/", rangeEnd: "/w0" });
  let fanSeq = 0;
  return [
    { group: "mvcc", name: "bare Map: set (baseline)", unit: "ops", units: N, fn: () => void mapWorkload(N) },
    {
      group: "mvcc",
      name: "put",
      unit: "ops",
      units: N,
      target: 1_000_000,
      baselineOf: "bare Map: set (baseline)",
      fn: () => void putWorkload(N),
    },
    {
      group: "mvcc",
      name: "CAS Txn (If mod == seen Then Put)",
      unit: "ops",
      units: N,
      target: 500_000,
      baselineOf: "bare Map: set (baseline)",
      fn: () => void casWorkload(N),
    },
    {
      group: "mvcc",
      name: "bare Map: get (baseline)",
      unit: "ops",
      units: N,
      fn: () => {
        let s = 0;
        for (let i = 0; i < N; i++)
          s += map.get(`/registry/pods/default/pod-${String(i % 1000).padStart(4, "0")}`)!.length;
        void s;
      },
    },
    {
      group: "mvcc",
      name: "point range",
      unit: "ops",
      units: N,
      baselineOf: "bare Map: get (baseline)",
      fn: () => {
        for (let i = 0; i < N; i++)
          store.range({ key: `/registry/pods/default/pod-${String(i % 1000).padStart(4, "0")}` });
      },
    },
    {
      group: "mvcc",
      name: "prefix range of 100 keys",
      unit: "ops",
      units: 100,
      fn: () => {
        for (let i = 0; i < 100; i++)
          store.range({ key: "/registry/pods/default/pod-01", rangeEnd: "/registry/pods/default/pod-02" });
      },
    },
    {
      group: "mvcc",
      name: "watch fan-out: 1 put to 100 watchers",
      unit: "events",
      units: 100 * 100,
      fn: () => {
        for (let i = 0; i < 100; i++) fanStore.put({ key: `/w/${fanSeq++ % 50}`, value: "x" });
      },
    },
  ];
}
