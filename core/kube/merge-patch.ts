// JSON merge patch (RFC 7386), the simplest patch type the Kubernetes API accepts: objects merge
// recursively, null deletes a field, anything else (arrays included) replaces.

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  const p = patch as Record<string, unknown>;
  for (const k of Object.keys(p)) {
    const v = p[k];
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}
