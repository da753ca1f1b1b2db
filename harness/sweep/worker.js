// Sweep worker process entry: registers tsx, then runs the seeds its parent sends over IPC.
import { register } from "tsx/esm/api";
register();
await import("./worker-main.ts");
