// Worker thread entry: registers tsx, then runs seeds sent by the parent.
import { register } from "tsx/esm/api";
register();
await import("./sweep-worker-main.ts");
