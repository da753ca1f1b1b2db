// Jepsen's `independent` key map: one register per key (read / write / cas), each key checked on
// its own (P-compositionality), as `jepsen.independent/checker` does with a register model per key.
import { registerModel, type RegisterInput, type RegisterOutput, type RegisterState } from "./register.ts";
import type { Model, Operation } from "../types.ts";
import { partitionByKey } from "./kv.ts";

export interface IndependentInput extends RegisterInput {
  /** The key, as written in the history (EDN: printed form). */
  key: string;
}

export type IndependentOperation = Operation<IndependentInput, RegisterOutput>;

const register = registerModel as unknown as Model<RegisterState, IndependentInput, RegisterOutput>;

export const independentModel: Model<RegisterState, IndependentInput, RegisterOutput> = {
  init: register.init,
  step: register.step,
  readOnly: register.readOnly!,
  mayBecomeLegal: register.mayBecomeLegal!,
  equal: register.equal,
  hash: register.hash,
  forget: register.forget!,
  partition: partitionByKey,
  describeOperation: (input, output) => `[${input.key}] ${register.describeOperation!(input, output)}`,
  describeState: register.describeState!,
};
