import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PeerRequestError, checkPeerUrl, classifyAddress, guardedLookup, peerGet } from "./peer-http.js";

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/big") return res.end(Buffer.alloc(2048));
    if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2000);
    if (req.url === "/missing") return res.writeHead(404).end("nope");
    res.end("hello");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

describe("peer URL policy", () => {
  it("classifies addresses", () => {
    expect(classifyAddress("8.8.8.8")).toBe("public");
    expect(classifyAddress("127.0.0.2")).toBe("loopback");
    expect(classifyAddress("::1")).toBe("loopback");
    expect(classifyAddress("::ffff:127.0.0.1")).toBe("loopback");
    expect(classifyAddress("10.1.2.3")).toBe("private");
    expect(classifyAddress("172.20.0.1")).toBe("private");
    expect(classifyAddress("192.168.1.1")).toBe("private");
    expect(classifyAddress("fd00::1")).toBe("private");
    expect(classifyAddress("169.254.169.254")).toBe("link-local");
    expect(classifyAddress("fe80::1")).toBe("link-local");
    expect(classifyAddress("0.0.0.0")).toBe("reserved");
    expect(classifyAddress("2606:4700::1111")).toBe("public");
  });

  it("accepts http(s) to public addresses and refuses other schemes, credentials, private and loopback targets", () => {
    expect(checkPeerUrl("https://8.8.8.8:1317/")).toBe("https://8.8.8.8:1317");
    expect(() => checkPeerUrl("file:///etc/passwd")).toThrow(/scheme must be http or https/);
    expect(() => checkPeerUrl("http://u:p@8.8.8.8")).toThrow(/credentials/);
    expect(() => checkPeerUrl("not a url")).toThrow(/not a URL/);
    expect(() => checkPeerUrl("http://169.254.169.254/latest")).toThrow(/link-local address; refused/);
    expect(() => checkPeerUrl("http://10.0.0.5")).toThrow(/private address/);
    expect(() => checkPeerUrl("http://127.0.0.1:8080")).toThrow(/loopback address; refused/);
    expect(() => checkPeerUrl("http://localhost:8080")).toThrow(/loopback/);
    expect(() => checkPeerUrl("http://[::1]:8080")).toThrow(/loopback/);
    expect(() => checkPeerUrl("http://0.0.0.0:80")).toThrow(/reserved/);
    expect(checkPeerUrl("http://127.0.0.1:8080", { allowLoopback: true })).toBe("http://127.0.0.1:8080");
    expect(checkPeerUrl("http://10.0.0.5", { allowPrivate: true })).toBe("http://10.0.0.5");
    expect(() => checkPeerUrl("http://127.0.0.1", { allowPrivate: true })).toThrow(/loopback/);
  });

  it("checks the resolved address too: a name that resolves to loopback is refused", async () => {
    // The connect-time hook (what http.request calls for names): "localhost" resolves to a loopback address.
    const lookup = (policy: { allowLoopback?: boolean }): Promise<unknown> =>
      new Promise((resolve, reject) => guardedLookup("http://localhost", policy)("localhost", { all: false }, (err, address) => (err ? reject(err) : resolve(address))));
    await expect(lookup({})).rejects.toThrow(/loopback address; refused/);
    await expect(lookup({ allowLoopback: true })).resolves.toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});

describe("peerGet", () => {
  it("returns the body, and enforces the size cap, the time limit and the status", async () => {
    const p = { allowLoopback: true };
    expect((await peerGet(`${base}/`, { policy: p })).body.toString()).toBe("hello");
    await expect(peerGet(`${base}/big`, { policy: { ...p, maxBytes: 1000 } })).rejects.toMatchObject({ reason: "too_large" });
    await expect(peerGet(`${base}/slow`, { policy: { ...p, timeoutMs: 200 } })).rejects.toMatchObject({ reason: "timeout" });
    const err = (await peerGet(`${base}/missing`, { policy: p }).catch((e: unknown) => e)) as PeerRequestError;
    expect(err).toMatchObject({ reason: "http_status", status: 404, peer: base });
  });

  it("fills a body of declared length into the caller's buffer when it fits, else into a new one", async () => {
    const p = { allowLoopback: true };
    const into = Buffer.alloc(16);
    const got = (await peerGet(`${base}/`, { policy: p, into })).body;
    expect(got.toString()).toBe("hello");
    expect(got.buffer).toBe(into.buffer);
    const small = Buffer.alloc(2);
    const other = (await peerGet(`${base}/`, { policy: p, into: small })).body;
    expect(other.toString()).toBe("hello");
    expect(other.buffer).not.toBe(small.buffer);
  });
});
