import type { ExploreResult } from "../../cli/explore.ts";
export function exploreHtml(r: ExploreResult): string {
  return `<!doctype html><title>explore ${r.scenario}</title>`;
}
