// Worker thread entry for parallel partition checks: registers tsx (the CLI registers it only in
// the main thread), then runs partition-worker-main.ts.
import { register } from "tsx/esm/api";
register();
await import("./partition-worker-main.ts");
