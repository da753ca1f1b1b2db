// Workload input: Kubernetes YAML manifests (Deployment, ConfigMap), parsed with the `yaml` package
// and validated like the apiserver would, with an error that names the field:
//   Deployment "nginx" (document 1): spec.replicas: expected a non-negative integer, got "three"
import { parseAllDocuments } from "yaml";
import type { ConfigMap, Container, Deployment, DeploymentStatus, KubeObject } from "./types.ts";

export class ManifestError extends Error {
  override readonly name = "ManifestError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** A namespace's or a container's name (and a controller's). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === "object" && !Array.isArray(x);
const show = (x: unknown) => (x === undefined ? "nothing" : JSON.stringify(x));

class Validator {
  constructor(private readonly where: string) {}

  fail(field: string, msg: string): never {
    throw new ManifestError(field, `${this.where}: ${field}: ${msg}`);
  }
  obj(x: unknown, field: string): Obj {
    if (!isObj(x)) this.fail(field, `expected a mapping, got ${show(x)}`);
    return x;
  }
  str(x: unknown, field: string): string {
    if (typeof x !== "string" || x === "") this.fail(field, `expected a non-empty string, got ${show(x)}`);
    return x;
  }
  name(x: unknown, field: string, re = DNS_SUBDOMAIN): string {
    const s = this.str(x, field);
    if (s.length > 253 || !re.test(s))
      this.fail(
        field,
        `${show(s)} is not a valid name (lowercase letters, digits and '-', starting and ending alphanumeric)`,
      );
    return s;
  }
  nonNegInt(x: unknown, field: string): number {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0)
      this.fail(field, `expected a non-negative integer, got ${show(x)}`);
    return x;
  }
  labels(x: unknown, field: string): Record<string, string> {
    const o = this.obj(x, field);
    const out: Record<string, string> = {};
    for (const k of Object.keys(o).sort()) {
      const v = o[k];
      if (typeof v !== "string") this.fail(`${field}.${k}`, `expected a string, got ${show(v)}`);
      out[k] = v;
    }
    return out;
  }
  intOrPercent(x: unknown, field: string): number | string {
    if (typeof x === "number" && Number.isInteger(x) && x >= 0) return x;
    if (typeof x === "string" && /^\d+%$/.test(x)) return x;
    return this.fail(field, `expected a non-negative integer or a percentage like "25%", got ${show(x)}`);
  }
}

function metadata(v: Validator, raw: unknown): { name: string; namespace: string; labels?: Record<string, string> } {
  const m = v.obj(raw, "metadata");
  const out: { name: string; namespace: string; labels?: Record<string, string> } = {
    name: v.name(m.name, "metadata.name"),
    namespace: m.namespace === undefined ? "default" : v.name(m.namespace, "metadata.namespace", DNS_LABEL),
  };
  if (m.labels !== undefined) out.labels = v.labels(m.labels, "metadata.labels");
  return out;
}

function deployment(v: Validator, doc: Obj): Deployment {
  if (doc.apiVersion !== "apps/v1")
    v.fail("apiVersion", `expected "apps/v1" for a Deployment, got ${show(doc.apiVersion)}`);
  const meta = metadata(v, doc.metadata);
  const spec = v.obj(doc.spec, "spec");
  const replicas = spec.replicas === undefined ? 1 : v.nonNegInt(spec.replicas, "spec.replicas");
  const selector = v.obj(spec.selector, "spec.selector");
  const matchLabels = v.labels(selector.matchLabels, "spec.selector.matchLabels");
  if (Object.keys(matchLabels).length === 0) v.fail("spec.selector.matchLabels", "expected at least one label");
  const template = v.obj(spec.template, "spec.template");
  const tmeta = v.obj(template.metadata, "spec.template.metadata");
  const tlabels = v.labels(tmeta.labels, "spec.template.metadata.labels");
  for (const k of Object.keys(matchLabels).sort()) {
    if (tlabels[k] !== matchLabels[k])
      v.fail(
        "spec.template.metadata.labels",
        `selector does not match template labels: ${k}=${show(matchLabels[k])} missing`,
      );
  }
  const tspec = v.obj(template.spec, "spec.template.spec");
  if (!Array.isArray(tspec.containers) || tspec.containers.length === 0) {
    v.fail("spec.template.spec.containers", `expected a non-empty list, got ${show(tspec.containers)}`);
  }
  const names = new Set<string>();
  const containers: Container[] = tspec.containers.map((c: unknown, i: number) => {
    const f = `spec.template.spec.containers[${i}]`;
    const co = v.obj(c, f);
    const name = v.name(co.name, `${f}.name`, DNS_LABEL);
    if (names.has(name)) v.fail(`${f}.name`, `duplicate container name ${show(name)}`);
    names.add(name);
    return { name, image: v.str(co.image, `${f}.image`) };
  });
  const d: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta,
    spec: { replicas, selector: { matchLabels }, template: { metadata: { labels: tlabels }, spec: { containers } } },
  };
  if (tspec.terminationGracePeriodSeconds !== undefined)
    d.spec.template.spec.terminationGracePeriodSeconds = v.nonNegInt(
      tspec.terminationGracePeriodSeconds,
      "spec.template.spec.terminationGracePeriodSeconds",
    );
  if (spec.strategy !== undefined) {
    const s = v.obj(spec.strategy, "spec.strategy");
    if (s.type !== undefined && s.type !== "RollingUpdate")
      v.fail("spec.strategy.type", `only "RollingUpdate" is simulated, got ${show(s.type)}`);
    const ru: { maxSurge?: number | string; maxUnavailable?: number | string } = {};
    if (s.rollingUpdate !== undefined) {
      const r = v.obj(s.rollingUpdate, "spec.strategy.rollingUpdate");
      if (r.maxSurge !== undefined) ru.maxSurge = v.intOrPercent(r.maxSurge, "spec.strategy.rollingUpdate.maxSurge");
      if (r.maxUnavailable !== undefined)
        ru.maxUnavailable = v.intOrPercent(r.maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable");
      if ((ru.maxSurge === 0 || ru.maxSurge === "0%") && (ru.maxUnavailable === 0 || ru.maxUnavailable === "0%")) {
        v.fail("spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when maxSurge is 0");
      }
    }
    d.spec.strategy = { type: "RollingUpdate", rollingUpdate: ru };
  }
  // A manifest exported from a running cluster (kubectl get -o yaml) carries a status stanza, and kubectl
  // sends it along with the create: the apiserver must drop it.
  if (doc.status !== undefined) {
    const st = v.obj(doc.status, "status");
    const status: DeploymentStatus = {};
    for (const f of STATUS_COUNTS) if (st[f] !== undefined) status[f] = v.nonNegInt(st[f], `status.${f}`);
    d.status = status;
  }
  return d;
}

const STATUS_COUNTS = [
  "observedGeneration",
  "replicas",
  "updatedReplicas",
  "readyReplicas",
  "availableReplicas",
  "unavailableReplicas",
] as const satisfies readonly (keyof DeploymentStatus)[];

function configMap(v: Validator, doc: Obj): ConfigMap {
  if (doc.apiVersion !== "v1") v.fail("apiVersion", `expected "v1" for a ConfigMap, got ${show(doc.apiVersion)}`);
  const cm: ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: metadata(v, doc.metadata) };
  if (doc.data !== undefined) cm.data = v.labels(doc.data, "data");
  return cm;
}

/** One manifest document (already parsed from YAML or JSON) as a validated object. */
export function validateManifest(doc: unknown, where = "manifest"): KubeObject {
  const pre = new Validator(where);
  const o = pre.obj(doc, "(document)");
  const kind = o.kind;
  const name = isObj(o.metadata) && typeof o.metadata.name === "string" ? ` ${show(o.metadata.name)}` : "";
  const v = new Validator(`${typeof kind === "string" ? kind : "object"}${name} (${where})`);
  switch (kind) {
    case "Deployment":
      return deployment(v, o);
    case "ConfigMap":
      return configMap(v, o);
    default:
      return v.fail("kind", `expected one of Deployment, ConfigMap, got ${show(kind)}`);
  }
}

/**
 * Every document of a YAML text (separated by ---), validated; empty documents are skipped. Fresh
 * objects every call (the caller owns them); a scenario's manifests are parsed once per process and
 * each run gets copies (structuredClone keeps what parsing gave, key order and undefined fields too).
 */
export function parseManifests(text: string, source = "manifest"): KubeObject[] {
  const key = source + "\0" + text;
  let parsed = parsedManifests.get(key);
  if (parsed === undefined) {
    parsed = parseManifestsOnce(text, source); // a text that fails throws every time: never cached
    if (parsedManifests.size >= 256) parsedManifests.clear();
    parsedManifests.set(key, parsed);
  }
  return structuredClone(parsed);
}

/** Validated documents by source and text, never handed out themselves (only copies). */
const parsedManifests = new Map<string, KubeObject[]>();

function parseManifestsOnce(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    const where = `${source}, document ${i + 1}`;
    const err = doc.errors[0];
    if (err !== undefined) throw new ManifestError("(yaml)", `${where}: invalid YAML: ${err.message.split("\n")[0]}`);
    const js: unknown = doc.toJS();
    if (js === null || js === undefined) return;
    out.push(validateManifest(js, where));
  });
  return out;
}
