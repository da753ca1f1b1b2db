// Start-up: `etcdsim --help` (the built JavaScript, lazy imports) against bare `node -e 0`, as a user
// meets it; the median of several runs each. Target: within 3× of bare node.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Measurement } from "./types.ts";

function medianMs(args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: "ignore" });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function startupMeasurements(): Promise<Measurement[]> {
  // From bench/ (sources) or dist/bench/ (built): the package root is one or two levels up.
  const root = [new URL("..", import.meta.url), new URL("../..", import.meta.url)].find((u) =>
    existsSync(new URL("bin/etcdsim.js", u)),
  )!;
  const bin = new URL("bin/etcdsim.js", root).pathname;
  const built = existsSync(new URL("dist/cli/main.js", root));
  const runs = 15;
  medianMs(["-e", "0"], 2); // warm the file cache
  const bare = medianMs(["-e", "0"], runs);
  const help = medianMs([bin, "--help"], runs);
  const version = medianMs([bin, "--version"], runs);
  return [
    {
      group: "startup",
      name: "node -e 0",
      value: Number(bare.toFixed(1)),
      unit: "ms",
      lowerIsBetter: true,
      detail: { runs },
    },
    {
      group: "startup",
      name: "etcdsim --help",
      value: Number(help.toFixed(1)),
      unit: "ms",
      lowerIsBetter: true,
      detail: { runs, built },
    },
    {
      group: "startup",
      name: "etcdsim --version",
      value: Number(version.toFixed(1)),
      unit: "ms",
      lowerIsBetter: true,
      detail: { runs, built },
    },
    {
      group: "startup",
      name: "etcdsim --help over node -e 0",
      value: Number((help / bare).toFixed(2)),
      unit: "x",
      target: 3,
      lowerIsBetter: true,
      detail: {
        built,
        note: built ? "built JavaScript (dist/)" : "no dist/ build: TypeScript through tsx (npm run build)",
      },
    },
  ];
}
