// Picks a history format from the file's content, then its extension.

export type HistoryFormat = "jsonl" | "porcupine-kv" | "porcupine-etcd" | "jepsen-edn";
export const HISTORY_FORMATS: readonly HistoryFormat[] = ["jsonl", "porcupine-kv", "porcupine-etcd", "jepsen-edn"];

export function isHistoryFormat(s: string): s is HistoryFormat {
  return (HISTORY_FORMATS as readonly string[]).includes(s);
}

/** The format of `text` (named `file`), or undefined when neither content nor name tells. */
export function detectFormat(file: string, text: string): HistoryFormat | undefined {
  const first = text
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim();
  if (first !== undefined) {
    if (/^INFO\s+jepsen\.util\s+-/.test(first)) return "porcupine-etcd";
    // Porcupine's kv logs name a :key on every line; Jepsen's history.edn has none at top level
    const jepsenOnly = /[{,]\s*:(time|index)\s/.test(first);
    if (
      first.startsWith("{:") &&
      !jepsenOnly &&
      (first.startsWith("{:process") || /:f\s+:(get|put|append)\b/.test(first))
    )
      return "porcupine-kv";
    if (first.startsWith("{:") || first.startsWith("[{") || first === "[") return "jepsen-edn";
    if (first.startsWith('{"') || first.startsWith('{ "')) return "jsonl";
  }
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return "jsonl";
  if (/\.log$/i.test(file)) return "porcupine-etcd";
  if (/\.edn$/i.test(file)) return "jepsen-edn";
  if (/\.txt$/i.test(file)) return "porcupine-kv";
  return undefined;
}
