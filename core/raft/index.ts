// Raft for etcdsim: the pure node, its host loop over Env, and what a safety monitor observes.
export { RaftNode, type RaftConfig, type RaftStorage, type ProgressView } from "./node.ts";
export {
  RaftDriver, raftActor, isRaftMessage,
  type RaftDriverOptions, type StateMachine, type ProposeResult, type ReadResult, type RaftStatus,
} from "./driver.ts";
export { termRevealedBy, type RaftView, type RaftObserver, type DurableChange, type HostObservations } from "./view.ts";
export * from "./types.ts";
