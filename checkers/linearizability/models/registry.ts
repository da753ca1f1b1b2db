// Models by name, for worker threads: a model is a record of functions and cannot cross a thread,
// so a worker rebuilds it from its name. Only models that need no per-history configuration.
import { kvMapModel, kvModel } from "./kv.ts";
import { independentModel } from "./independent.ts";
import { registerModel } from "./register.ts";
import { setModel } from "./set.ts";
import type { Model } from "../types.ts";

export const NAMED_MODELS = {
  register: registerModel,
  kv: kvModel,
  "kv-map": kvMapModel,
  independent: independentModel,
  set: setModel,
  // biome-ignore lint/suspicious/noExplicitAny: every model, whatever its input, output and state types
} as const satisfies Record<string, Model<never, never, never> | Model<any, any, any>>;

export type ModelName = keyof typeof NAMED_MODELS;

export function namedModel(name: ModelName): Model<unknown, unknown, unknown> {
  return NAMED_MODELS[name] as unknown as Model<unknown, unknown, unknown>;
}
