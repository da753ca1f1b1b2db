// A bench measurement in a fresh process of its own: forks bench/NAME (built: NAME.js; from the sources:
// NAME.ts through tsx) with one JSON argument, and resolves with the one message it sends before it exits.
import { fork } from "node:child_process";

export function inChild<T>(name: string, arg: unknown, v8Flags: readonly string[] = []): Promise<T> {
  const built = import.meta.url.endsWith(".js");
  return new Promise((resolve, reject) => {
    const child = fork(new URL(`./${name}.${built ? "js" : "ts"}`, import.meta.url), [JSON.stringify(arg)], {
      execArgv: [...v8Flags, ...(built ? [] : ["--import", "tsx"])],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let got: T | undefined;
    child.on("message", (m) => (got = m as T));
    child.on("error", reject);
    child.on("exit", (code) =>
      got !== undefined ? resolve(got) : reject(new Error(`bench/${name} ${JSON.stringify(arg)} exited ${code}`)),
    );
  });
}
