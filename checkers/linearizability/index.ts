// The linearizability checker's public API.
//
//   checkEtcdHistory(history)        etcd client history → CheckResult (what scenarios call)
//   checkOperations(model, ops)      any model, any operations → LinearizabilityResult
//   checkHistoryText(text, format)   a file's text (jsonl | porcupine-kv | porcupine-etcd | jepsen-edn)
//   checkOperationsParallel(name, ops, { threads })  partitions on worker threads, same answer
//   minimalFailingSubset(model, ops) a 1-minimal failing subset (delta debugging)
//
// Models: registerModel (Porcupine's Jepsen logs), kvModel / kvMapModel (Porcupine's kv logs, per
// key or as one map), independentModel (a register per key), setModel (add / read), etcdModel (the etcd KV API; built per history by prepareEtcdHistory).

export type * from "./types.ts";
export { checkOperations, DEFAULT_MAX_STEPS } from "./engine.ts";
export { checkEtcdHistory, summarizeEvidence, type EtcdLinearizabilityResult } from "./check-etcd.ts";
export { checkHistoryText, checkHistoryTextParallel, type TextCheck, type DescribedOperation } from "./check-text.ts";
export { checkOperationsParallel, type ParallelOptions } from "./parallel.ts";
export { minimalFailingSubset, relaxedHistory, type MinimalSubset } from "./minimize.ts";
export { independentModel, type IndependentInput, type IndependentOperation } from "./models/independent.ts";
export { setModel, setInput, setOutput, type SetOperation } from "./models/set.ts";
export { parseJepsenEdn, type JepsenHistory } from "./parse/jepsen-edn.ts";
export { seriesHistory, type SeriesShape } from "./series.ts";
export { determinize } from "./nondeterministic.ts";
export { bruteForceLinearizable } from "./brute.ts";
export { registerModel, registerInput, registerOutput, type RegisterOperation } from "./models/register.ts";
export { kvModel, kvMapModel, kvInput, kvOutput, type KvOperation } from "./models/kv.ts";
export {
  etcdModel,
  type EtcdInput,
  type EtcdOutput,
  type EtcdModelConfig,
  type EtcdModelOperation,
} from "./models/etcd/model.ts";
export { prepareEtcdHistory, type PreparedEtcdHistory } from "./models/etcd/prepare.ts";
export { parsePorcupineEtcd } from "./parse/porcupine-etcd.ts";
export { parsePorcupineKv } from "./parse/porcupine-kv.ts";
export { parseJsonlHistory } from "./parse/jsonl.ts";
export { detectFormat, isHistoryFormat, HISTORY_FORMATS, type HistoryFormat } from "./parse/detect.ts";
export { HistoryParseError } from "./parse/errors.ts";
export {
  benchCorpusWith,
  corpusCases,
  corpusDir,
  type BenchResult,
  type BenchRow,
  type BenchTotals,
} from "./corpus.ts";
