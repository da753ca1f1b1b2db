// Parser for JSON Lines histories: one EtcdOperation (core/history.ts) per line. Validates the
// shape the checker relies on and names the line and the field when something is wrong.

import type { EtcdOperation } from "../../../core/history.ts";
import { ERROR_MESSAGES, type EtcdErrorCode } from "../../../core/mvcc/rpc.ts";
import { HistoryParseError, lines, parsePoint } from "./errors.ts";

const KINDS = [
  "range",
  "put",
  "deleteRange",
  "txn",
  "compact",
  "leaseGrant",
  "leaseRevoke",
  "leaseKeepAlive",
  "leaseTimeToLive",
] as const;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

class Invalid extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function obj(v: Json | undefined, path: string): Obj {
  if (!isObj(v)) throw new Invalid(`${path} should be an object`);
  return v;
}
function str(o: Obj, k: string, path: string, optional = false): void {
  const v = o[k];
  if (v === undefined && optional) return;
  if (typeof v !== "string") throw new Invalid(`${path}.${k} should be a string`);
}
function num(o: Obj, k: string, path: string, optional = false): void {
  const v = o[k];
  if (v === undefined && optional) return;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Invalid(`${path}.${k} should be a number`);
  exact(v, `${path}.${k}`);
}
/** JSON.parse rounds integers beyond 2^53: refuse them rather than judge a different history. */
function exact(v: number, path: string): void {
  if (Number.isInteger(v) && !Number.isSafeInteger(v))
    throw new Invalid(`${path} (${v}) is beyond 2^53 and cannot be read exactly`);
}
function arr(o: Obj, k: string, path: string): Json[] {
  const v = o[k];
  if (!Array.isArray(v)) throw new Invalid(`${path}.${k} should be an array`);
  return v;
}

function header(o: Obj, path: string): void {
  num(obj(o.header, `${path}.header`), "revision", `${path}.header`);
}

function keyValue(v: Json, path: string): void {
  const o = obj(v, path);
  str(o, "key", path);
  str(o, "value", path);
  for (const k of ["createRevision", "modRevision", "version", "lease"]) num(o, k, path);
}

function requestOps(list: Json[], path: string): void {
  list.forEach((v, i) => {
    const p = `${path}[${i}]`;
    const o = obj(v, p);
    if (isObj(o.requestRange)) rangeRequest(o.requestRange, `${p}.requestRange`);
    else if (isObj(o.requestPut)) putRequest(o.requestPut, `${p}.requestPut`);
    else if (isObj(o.requestDeleteRange)) str(o.requestDeleteRange, "key", `${p}.requestDeleteRange`);
    else if (isObj(o.requestTxn)) txnRequest(o.requestTxn, `${p}.requestTxn`);
    else throw new Invalid(`${p} should have requestRange, requestPut, requestDeleteRange or requestTxn`);
  });
}
function rangeRequest(o: Obj, path: string): void {
  str(o, "key", path);
  str(o, "rangeEnd", path, true);
  num(o, "revision", path, true);
  num(o, "limit", path, true);
}
function putRequest(o: Obj, path: string): void {
  str(o, "key", path);
  str(o, "value", path);
  num(o, "lease", path, true);
}
function txnRequest(o: Obj, path: string): void {
  arr(o, "compare", path).forEach((c, i) => {
    const p = `${path}.compare[${i}]`;
    const co = obj(c, p);
    str(co, "key", p);
    if (!["VERSION", "CREATE", "MOD", "VALUE", "LEASE"].includes(co.target as string))
      throw new Invalid(`${p}.target should be VERSION, CREATE, MOD, VALUE or LEASE`);
    if (!["EQUAL", "GREATER", "LESS", "NOT_EQUAL"].includes(co.result as string))
      throw new Invalid(`${p}.result should be EQUAL, GREATER, LESS or NOT_EQUAL`);
  });
  requestOps(arr(o, "success", path), `${path}.success`);
  requestOps(arr(o, "failure", path), `${path}.failure`);
}

function request(v: Json | undefined): void {
  const o = obj(v, "request");
  const kind = o.kind as string;
  if (!(KINDS as readonly string[]).includes(kind))
    throw new Invalid(`request.kind should be one of ${KINDS.join(", ")}`);
  const body = obj(o[kind], `request.${kind}`);
  const p = `request.${kind}`;
  switch (kind) {
    case "range":
      return rangeRequest(body, p);
    case "put":
      return putRequest(body, p);
    case "deleteRange":
      return str(body, "key", p);
    case "txn":
      return txnRequest(body, p);
    case "compact":
      return num(body, "revision", p);
    case "leaseGrant":
      return num(body, "TTL", p);
    default:
      return num(body, "ID", p);
  }
}

function responseOps(list: Json[], path: string): void {
  list.forEach((v, i) => {
    const p = `${path}[${i}]`;
    const o = obj(v, p);
    if (isObj(o.responseRange))
      arr(o.responseRange, "kvs", `${p}.responseRange`).forEach((kv, j) =>
        keyValue(kv, `${p}.responseRange.kvs[${j}]`),
      );
    else if (!isObj(o.responsePut) && !isObj(o.responseDeleteRange) && !isObj(o.responseTxn)) {
      throw new Invalid(`${p} should have responseRange, responsePut, responseDeleteRange or responseTxn`);
    }
    if (isObj(o.responseTxn))
      responseOps(arr(o.responseTxn, "responses", `${p}.responseTxn`), `${p}.responseTxn.responses`);
  });
}

function response(v: Json | undefined, kind: string): void {
  const o = obj(v, "response");
  if (o.kind !== kind) throw new Invalid(`response.kind should be "${kind}" like the request's`);
  const body = obj(o[kind], `response.${kind}`);
  const p = `response.${kind}`;
  if (kind !== "leaseGrant" && kind !== "leaseKeepAlive") header(body, p);
  if (kind === "range") {
    arr(body, "kvs", p).forEach((kv, i) => keyValue(kv, `${p}.kvs[${i}]`));
    num(body, "count", p);
  } else if (kind === "put" && body.prevKv !== undefined) keyValue(body.prevKv, `${p}.prevKv`);
  else if (kind === "deleteRange") num(body, "deleted", p);
  else if (kind === "txn") {
    if (typeof body.succeeded !== "boolean") throw new Invalid(`${p}.succeeded should be a boolean`);
    responseOps(arr(body, "responses", p), `${p}.responses`);
  } else if (kind === "leaseGrant" || kind === "leaseKeepAlive") {
    num(body, "ID", p);
    num(body, "TTL", p);
  } else if (kind === "leaseTimeToLive") {
    num(body, "ID", p);
    num(body, "TTL", p);
    num(body, "grantedTTL", p);
  }
}

export function parseJsonlHistory(text: string): EtcdOperation[] {
  const ops: EtcdOperation[] = [];
  const ids = new Set<number>();
  const all = lines(text);
  for (let k = 0; k < all.length; k++) {
    parsePoint(k);
    const lineNo = k + 1;
    const line = all[k]!.trim();
    if (line === "") continue;
    let v: Json;
    try {
      v = JSON.parse(line) as Json;
    } catch (e) {
      throw new HistoryParseError(lineNo, `invalid JSON (${(e as Error).message})`);
    }
    try {
      const o = obj(v, "the line");
      if (o.id === undefined) o.id = ops.length;
      if (typeof o.id !== "number" || !Number.isInteger(o.id) || o.id < 0)
        throw new Invalid("id should be a non-negative integer");
      if (ids.has(o.id)) throw new Invalid(`id ${o.id} appears twice`);
      if (typeof o.client !== "number" || !Number.isInteger(o.client)) throw new Invalid("client should be an integer");
      if (typeof o.call !== "number" || !Number.isFinite(o.call)) throw new Invalid("call should be a number");
      exact(o.call, "call");
      if (typeof o.return === "number") exact(o.return, "return");
      if (typeof o.client === "number") exact(o.client, "client");
      if (o.return !== null && (typeof o.return !== "number" || !Number.isFinite(o.return)))
        throw new Invalid("return should be a number or null (unknown outcome)");
      if (typeof o.return === "number" && o.return < o.call)
        throw new Invalid(`return (${o.return}) is before call (${o.call})`);
      request(o.request);
      if (o.error !== undefined && !(typeof o.error === "string" && Object.hasOwn(ERROR_MESSAGES, o.error))) {
        throw new Invalid(`error should be one of ${Object.keys(ERROR_MESSAGES).join(", ")}`);
      }
      if (o.response === undefined) o.response = null;
      if (o.response !== null) response(o.response, (o.request as Obj).kind as string);
      if (o.return !== null && o.response === null && o.error === undefined)
        throw new Invalid("an operation with a return time needs a response or an error");
      ids.add(o.id);
      ops.push(o as unknown as EtcdOperation);
    } catch (e) {
      if (e instanceof Invalid) throw new HistoryParseError(lineNo, e.message);
      throw e;
    }
  }
  return ops;
}

/** Narrowing helper for callers that hold a code string. */
export function isEtcdErrorCode(s: string): s is EtcdErrorCode {
  return Object.hasOwn(ERROR_MESSAGES, s);
}
