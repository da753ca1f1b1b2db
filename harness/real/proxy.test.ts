// The TCP proxy on its own, against a local echo server: bytes pass unchanged and in order; a delay
// holds them back (order kept); drop breaks the connection; a one-way cut (blackhole) swallows one
// direction while the other still flows; heal resets the connections it corrupted.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, connect, type Server, type Socket } from "node:net";
import { TcpProxy } from "./proxy.ts";

async function echoServer(): Promise<{ server: Server; port: number; received: Buffer[] }> {
  const received: Buffer[] = [];
  const server = createServer((s) =>
    s
      .on("data", (d) => {
        received.push(d);
        s.write(d);
      })
      .on("error", () => {}),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port, received };
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Collects what a socket receives until `n` bytes arrived or `ms` passed. */
function read(s: Socket, n: number, ms: number): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = "";
    let closed = false;
    const done = () => {
      clearTimeout(t);
      s.removeListener("data", onData);
      resolve({ data, closed });
    };
    const onData = (d: Buffer) => {
      data += d.toString();
      if (data.length >= n) done();
    };
    s.on("data", onData);
    s.once("close", () => {
      closed = true;
      done();
    });
    s.on("error", () => {});
    const t = setTimeout(done, ms);
  });
}

async function setup() {
  const echo = await echoServer();
  const proxy = new TcpProxy("127.0.0.1", echo.port);
  await proxy.listen();
  return {
    echo,
    proxy,
    close: async () => {
      await proxy.close();
      await new Promise<void>((r) => echo.server.close(() => r()));
    },
  };
}

test("bytes pass through unchanged and in order", async () => {
  const { proxy, close } = await setup();
  const s = await dial(proxy.port);
  const msg = Array.from({ length: 200 }, (_, i) => `m${i};`).join("");
  const got = read(s, msg.length, 3000);
  for (let i = 0; i < 200; i++) s.write(`m${i};`);
  assert.is((await got).data, msg);
  s.destroy();
  await close();
});

test("delay holds every chunk back by at least the delay and keeps their order", async () => {
  const { proxy, close } = await setup();
  proxy.rules = (dir) => (dir === "up" ? { delayMs: 150 } : undefined);
  const s = await dial(proxy.port);
  const t0 = performance.now();
  const got = read(s, 30, 3000);
  for (let i = 0; i < 10; i++) {
    s.write(`d${i}:`);
    await new Promise((r) => setTimeout(r, 3));
  }
  const r = await got;
  assert.is(r.data, Array.from({ length: 10 }, (_, i) => `d${i}:`).join(""));
  assert.ok(performance.now() - t0 >= 150, "the first echo came back before the delay");
  s.destroy();
  await close();
});

test("drop breaks the connection: nothing arrives and the client sees it closed", async () => {
  const { echo, proxy, close } = await setup();
  proxy.rules = () => ({ dropP: 1 });
  const s = await dial(proxy.port);
  const got = read(s, 1, 2000);
  s.write("lost");
  const r = await got;
  assert.is(r.data, "");
  assert.ok(r.closed, "connection still open after a drop");
  assert.is(echo.received.length, 0);
  assert.is(proxy.stats.dropped, 1);
  await close();
});

test("a one-way cut swallows one direction while the other flows; heal resets the corrupted connection", async () => {
  const { echo, proxy, close } = await setup();
  proxy.rules = (dir) => (dir === "down" ? { blackhole: true } : undefined);
  const s = await dial(proxy.port);
  const got = read(s, 1, 500);
  s.write("up-only");
  const r = await got;
  await new Promise((r2) => setTimeout(r2, 50));
  assert.is(Buffer.concat(echo.received).toString(), "up-only", "the server did not get the bytes");
  assert.is(r.data, "", "bytes crossed the cut direction");
  assert.is(r.closed, false);
  assert.ok(proxy.stats.swallowed > 0);
  const closed = new Promise<boolean>((resolve) => {
    s.once("close", () => resolve(true));
    setTimeout(() => resolve(false), 1000);
  });
  proxy.heal();
  assert.ok(await closed, "heal left a corrupted connection open");
  // A new connection after heal works both ways.
  const s2 = await dial(proxy.port);
  const got2 = read(s2, 2, 2000);
  s2.write("ok");
  assert.is((await got2).data, "ok");
  s2.destroy();
  await close();
});

test("peer connections are named by their X-Server-From header, so a rule can cut one sender only", async () => {
  const echo = await echoServer();
  const proxy = new TcpProxy("127.0.0.1", echo.port, true);
  await proxy.listen();
  proxy.rules = (_dir, from) => (from === "abc123" ? { blackhole: true } : undefined);
  const a = await dial(proxy.port);
  const b = await dial(proxy.port);
  const reqA = "POST /raft HTTP/1.1\r\nHost: x\r\nX-Server-From: abc123\r\n\r\n";
  const reqB = "POST /raft HTTP/1.1\r\nHost: x\r\nX-Server-From: def456\r\n\r\n";
  const ga = read(a, reqA.length, 500),
    gb = read(b, reqB.length, 2000);
  a.write(reqA);
  b.write(reqB);
  assert.is((await ga).data, "", "the cut sender got through");
  assert.is((await gb).data, reqB);
  a.destroy();
  b.destroy();
  await proxy.close();
  await new Promise<void>((r) => echo.server.close(() => r()));
});

test.run();
