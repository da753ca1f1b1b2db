// uPlot (a small, fast canvas charting library, MIT) inlined into reports: its minified script and CSS
// are read from node_modules when a report is written, so the page stays one self-contained file.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: { js: string; css: string } | undefined;

/** Finds node_modules/uplot/dist from this file upwards (sources and dist/ both work). */
export function uplotAssets(): { js: string; css: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const d = join(dir, "node_modules", "uplot", "dist");
    if (existsSync(join(d, "uPlot.iife.min.js"))) {
      cached = {
        js: readFileSync(join(d, "uPlot.iife.min.js"), "utf8"),
        css: readFileSync(join(d, "uPlot.min.css"), "utf8"),
      };
      return cached;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("uplot is not installed (npm install): the report's latency charts need it");
    dir = up;
  }
}

/** The library as a <style> and a <script>, safe to put in a page (no "</script" inside). */
export function uplotTags(): string {
  const { js, css } = uplotAssets();
  return `<style>${css}</style>\n<script>${js.replace(/<\/script/gi, "<\\/script")}</script>`;
}
