/**
 * HTTP GETs to peers whose URLs come from someone else (an Executor record on chain, a --peer list): the
 * scheme must be http(s), the response is capped in size and time, and private, link-local and other
 * non-public targets are refused unless the policy says this is a localnet. The address check runs on the
 * address actually connected to (a lookup hook), so a name that resolves to 127.0.0.1 (or re-resolves there
 * later: DNS rebinding) is refused like the literal.
 */
import * as dns from "node:dns";
import * as http from "node:http";
import * as https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { InferchainError } from "../errors.js";

export interface PeerPolicy {
  /** Allow 127.0.0.0/8 and ::1 (a localnet on one machine sets this; never on by default). */
  allowLoopback?: boolean;
  /** Allow RFC 1918 / CGNAT / ULA and link-local targets (a localnet across a private network). */
  allowPrivate?: boolean;
  /** Whole-request time limit, connect to last byte (default 30 s). */
  timeoutMs?: number;
  /** Largest body accepted (default 16 MiB). */
  maxBytes?: number;
}

export const DEFAULT_PEER_TIMEOUT_MS = 30_000;
export const DEFAULT_PEER_MAX_BYTES = 16 * 1024 * 1024;

export type AddressClass = "public" | "loopback" | "private" | "link-local" | "reserved";

/** A peer URL or address this policy does not allow, or a response over its limits. */
export class PeerRequestError extends InferchainError {
  override readonly name: string = "PeerRequestError";
  constructor(
    readonly peer: string,
    readonly reason: "bad_url" | "refused_address" | "too_large" | "timeout" | "http_status" | "network",
    message: string,
    readonly status?: number,
  ) {
    super(reason === "bad_url" || reason === "refused_address" ? "invalid_argument" : reason === "timeout" ? "timeout" : "connection", message, { field: "peer" });
  }
}

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");
const linkLocal = new BlockList();
linkLocal.addSubnet("169.254.0.0", 16, "ipv4");
linkLocal.addSubnet("fe80::", 10, "ipv6");
const privateNets = new BlockList();
for (const [net, bits] of [["10.0.0.0", 8], ["172.16.0.0", 12], ["192.168.0.0", 16], ["100.64.0.0", 10]] as const) privateNets.addSubnet(net, bits, "ipv4");
privateNets.addSubnet("fc00::", 7, "ipv6");
const reserved = new BlockList();
for (const [net, bits] of [["0.0.0.0", 8], ["224.0.0.0", 4], ["240.0.0.0", 4], ["192.0.0.0", 24], ["198.18.0.0", 15]] as const) reserved.addSubnet(net, bits, "ipv4");
reserved.addAddress("::", "ipv6");
reserved.addSubnet("ff00::", 8, "ipv6");
reserved.addSubnet("64:ff9b::", 96, "ipv6");

/** Classifies an IP literal (IPv4-mapped IPv6 is judged as its IPv4 address). */
export function classifyAddress(ip: string): AddressClass {
  let addr = ip.replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) addr = mapped[1]!;
  const fam = isIP(addr);
  if (fam === 0) throw new PeerRequestError(ip, "bad_url", `"${ip}" is not an IP address`);
  const type = fam === 4 ? "ipv4" : "ipv6";
  if (loopback.check(addr, type)) return "loopback";
  if (linkLocal.check(addr, type)) return "link-local";
  if (privateNets.check(addr, type)) return "private";
  if (reserved.check(addr, type)) return "reserved";
  return "public";
}

function allowed(cls: AddressClass, p: PeerPolicy): boolean {
  if (cls === "public") return true;
  if (cls === "loopback") return p.allowLoopback === true;
  if (cls === "private" || cls === "link-local") return p.allowPrivate === true;
  return false;
}

function refusal(peer: string, ip: string, cls: AddressClass): PeerRequestError {
  const hint = cls === "loopback" ? " (a localnet allows it with allowLoopback / --allow-loopback-peers)" : cls === "reserved" ? "" : " (allowPrivate / --allow-private-peers for a private localnet)";
  return new PeerRequestError(peer, "refused_address", `peer ${peer}: ${ip} is a ${cls} address; refused${hint}`);
}

/** Validates a peer base URL: http(s), no credentials, an allowed literal address. Returns it normalized (no trailing '/'). */
export function checkPeerUrl(raw: string, policy: PeerPolicy = {}): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new PeerRequestError(raw, "bad_url", `peer "${raw}" is not a URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new PeerRequestError(raw, "bad_url", `peer ${raw}: scheme must be http or https, not ${u.protocol.replace(/:$/, "")}`);
  if (u.username || u.password) throw new PeerRequestError(raw, "bad_url", `peer ${raw}: credentials in the URL are not allowed`);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) {
    const cls = classifyAddress(host);
    if (!allowed(cls, policy)) throw refusal(raw, host, cls);
  } else if (host === "localhost" || host.endsWith(".localhost")) {
    if (!policy.allowLoopback) throw refusal(raw, host, "loopback");
  }
  return u.toString().replace(/\/+$/, "");
}

export function guardedLookup(peer: string, policy: PeerPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as dns.LookupAddress[];
      for (const a of list) {
        const cls = classifyAddress(a.address);
        if (!allowed(cls, policy)) return callback(refusal(peer, a.address, cls), "", 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }) };

export interface PeerResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface PeerGetOptions {
  policy?: PeerPolicy;
  accept?: string;
  /** Extra request headers (e.g. a signed request's x-inferchain-* headers). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Statuses that are returned instead of thrown (default: only 2xx are returned). */
  okStatuses?: readonly number[];
  /**
   * Storage for a body of declared length up to its size (e.g. a pooled buffer, so a pull of many ranges does
   * not fault in and collect a fresh MiB per request). The returned body is then a view of it: the caller must
   * not reuse it while the body is in use.
   */
  into?: Buffer;
}

/** GET `url` under `policy`. Throws PeerRequestError (naming the peer) on refusal, limits, network errors, or a non-ok status. */
export function peerGet(url: string, o: PeerGetOptions = {}): Promise<PeerResponse> {
  const policy = o.policy ?? {};
  const timeoutMs = policy.timeoutMs ?? DEFAULT_PEER_TIMEOUT_MS;
  const maxBytes = policy.maxBytes ?? DEFAULT_PEER_MAX_BYTES;
  const checked = checkPeerUrl(url, policy);
  const u = new URL(checked);
  const origin = u.origin;
  const mod = u.protocol === "https:" ? https : http;
  return new Promise<PeerResponse>((resolve, reject) => {
    let settled = false;
    const done = (): void => {
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
    };
    const fail = (e: PeerRequestError): void => {
      if (settled) return;
      done();
      req.destroy();
      reject(e);
    };
    const onAbort = (): void => fail(new PeerRequestError(origin, "network", `peer ${origin}: aborted`));
    const req = mod.request(u, { method: "GET", agent: u.protocol === "https:" ? agents.https : agents.http, lookup: guardedLookup(origin, policy), headers: { ...o.headers, accept: o.accept ?? "*/*" } }, (res) => {
      const status = res.statusCode ?? 0;
      const declared = Number(res.headers["content-length"] ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) return fail(new PeerRequestError(origin, "too_large", `peer ${origin}: response of ${declared} bytes is over the ${maxBytes}-byte limit`));
      // With a declared length the body is filled in place as chunks arrive: each chunk dies young, where a list of
      // chunks kept for a slow 1 MiB body survives into the old generation (GC was half a paced pull's CPU).
      const filled = Number.isFinite(declared) && declared > 0 ? (o.into && declared <= o.into.length ? o.into.subarray(0, declared) : Buffer.allocUnsafe(declared)) : undefined;
      const chunks: Buffer[] = [];
      let got = 0;
      let inPlace = 0;
      res.on("data", (c: Buffer) => {
        if (settled) return; // after a failure the caller may already reuse `into`
        if (filled && chunks.length === 0 && inPlace + c.length <= filled.length) inPlace += c.copy(filled, inPlace);
        else chunks.push(c);
        got += c.length;
        if (got > maxBytes) return fail(new PeerRequestError(origin, "too_large", `peer ${origin}: response is over the ${maxBytes}-byte limit`));
      });
      res.on("error", (e) => fail(new PeerRequestError(origin, "network", `peer ${origin}: ${e.message}`)));
      res.on("end", () => {
        if (settled) return;
        done();
        const body = filled ? (chunks.length === 0 ? filled.subarray(0, inPlace) : Buffer.concat([filled.subarray(0, inPlace), ...chunks])) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if ((status < 200 || status > 299) && !(o.okStatuses ?? []).includes(status)) {
          const detail = body.subarray(0, 300).toString("utf8");
          return reject(new PeerRequestError(origin, "http_status", `peer ${origin}: HTTP ${status} for ${u.pathname}${detail ? `: ${detail}` : ""}`, status));
        }
        resolve({ status, headers: res.headers, body });
      });
    });
    const timer = setTimeout(() => fail(new PeerRequestError(origin, "timeout", `peer ${origin}: no complete response within ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (e) => fail(e instanceof PeerRequestError ? e : new PeerRequestError(origin, "network", `peer ${origin}: ${e.message}`)));
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener("abort", onAbort, { once: true });
    req.end();
  });
}
