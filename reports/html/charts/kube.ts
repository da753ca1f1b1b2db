// Kubernetes objects over time, from RunResult.extra.kube. The accepted shape (kube scenarios fill it):
//
//   extra.kube = {
//     objects: [{
//       kind: string,                 // "Deployment", "ReplicaSet", "Pod", "Lease", …
//       namespace?: string,           // absent for cluster-scoped objects
//       name: string,
//       events: [{
//         time: number,               // virtual µs
//         resourceVersion: number | string,
//         type?: "ADDED" | "MODIFIED" | "DELETED",
//         summary: string,            // one line, e.g. "replicas 2/3 ready", "node=n2 phase=Running"
//       }],
//     }],
//   }
//
// Entries that do not fit are skipped and counted in a note, never a crash of the report.
import { chart, type Row } from "../frame.ts";
import { clip, cssToken, esc, px } from "../esc.ts";
import { isObject } from "../evidence.ts";
import { formatTime, type Scale } from "../scale.ts";

export interface KubeEvent {
  time: number;
  resourceVersion: number | string;
  type?: "ADDED" | "MODIFIED" | "DELETED";
  summary: string;
}

export interface KubeObject {
  kind: string;
  namespace?: string;
  name: string;
  events: KubeEvent[];
}

export interface KubeView {
  objects: KubeObject[];
  skipped: number;
}

export const MAX_KUBE_OBJECTS = 200;
const MAX_EVENTS = 2000;
const HEIGHT = 20;

export function readKube(v: unknown): KubeView | undefined {
  if (!isObject(v) || !Array.isArray(v.objects)) return undefined;
  let skipped = 0;
  const objects: KubeObject[] = [];
  for (const o of v.objects) {
    if (!isObject(o) || typeof o.kind !== "string" || typeof o.name !== "string" || !Array.isArray(o.events)) {
      skipped++;
      continue;
    }
    const events: KubeEvent[] = [];
    for (const e of o.events) {
      if (
        !isObject(e) ||
        typeof e.time !== "number" ||
        !Number.isFinite(e.time) ||
        (typeof e.resourceVersion !== "number" && typeof e.resourceVersion !== "string")
      ) {
        skipped++;
        continue;
      }
      const ev: KubeEvent = {
        time: e.time,
        resourceVersion: e.resourceVersion,
        summary: typeof e.summary === "string" ? e.summary : "",
      };
      if (e.type === "ADDED" || e.type === "MODIFIED" || e.type === "DELETED") ev.type = e.type;
      events.push(ev);
    }
    events.sort((a, b) => a.time - b.time);
    const obj: KubeObject = { kind: o.kind, name: o.name, events };
    if (typeof o.namespace === "string") obj.namespace = o.namespace;
    objects.push(obj);
  }
  return { objects, skipped };
}

export function kubeChart(view: KubeView, s: Scale, end: number): string {
  const rows: Row[] = view.objects.slice(0, MAX_KUBE_OBJECTS).map((o) => {
    const name = `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
    const evs = o.events.slice(0, MAX_EVENTS);
    let body = "";
    evs.forEach((e, i) => {
      if (e.type === "DELETED") return;
      const next = evs[i + 1]?.time ?? end;
      const x = s.x(e.time),
        w = Math.max(1, s.x(next) - x);
      const chars = Math.floor((w - 6) / 6.2);
      body += `<g class="kstate"><rect x="${px(x)}" y="4" width="${px(w)}" height="12"/>${chars >= 4 && e.summary ? `<text x="${px(x + 4)}" y="13">${esc(clip(e.summary, chars))}</text>` : ""}<title>${esc(`${name} rv ${e.resourceVersion} from ${formatTime(e.time, s.unit)}: ${e.summary}`)}</title></g>`;
    });
    for (const e of evs) {
      const x = px(s.x(e.time));
      body += `<path class="kev ${cssToken(e.type ?? "modified")}" d="M${x} 2 l3.5 8 l-3.5 8 l-3.5 -8 z"><title>${esc(`${e.type ?? "event"} rv ${e.resourceVersion} at ${formatTime(e.time, s.unit)}: ${e.summary}`)}</title></path>`;
    }
    return { label: clip(name, 24), title: `${name}: ${o.events.length} events`, height: HEIGHT, body };
  });
  return chart("kube", s, rows);
}
