import { createServer, type Server } from "node:http";
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestArtifact } from "../digest/digest.js";
import { ArtifactHoldings, type HeldArtifact } from "./server.js";
import { FetchError, fetchArtifact, type ArtifactRecord, type FetchEvent } from "./fetch.js";
import { FRAME_CONTENT_TYPE, FRAME_HEADER_BYTES, parseLeafRange } from "./framing.js";

interface Peer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/** A minimal artifact server over node:http (the sidecar's routes, without fastify); `tamper` flips a data byte. */
async function startPeer(holdings: ArtifactHoldings, o: { tamper?: boolean; notFound?: boolean; failAfter?: number } = {}): Promise<Peer> {
  const peer = { url: "", requests: 0, close: async () => undefined } as Peer;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? "/", "http://x");
      const [, v1, artifacts, root, ...rest] = u.pathname.split("/");
      if (v1 !== "v1" || artifacts !== "artifacts" || !root || o.notFound) return res.writeHead(404).end("{}");
      if (rest.length === 0) return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(holdings.manifest(root)));
      peer.requests++;
      if (o.failAfter !== undefined && peer.requests > o.failAfter) return res.destroy();
      const path = rest.map(decodeURIComponent).join("/");
      const m = holdings.manifest(root)!;
      const f = m.files.find((x) => x.path === path)!;
      const { first, count } = parseLeafRange(u.searchParams.get("leaf") ?? "", f.leafCount);
      const frame = await holdings.frame(root, path, first, count);
      if (o.tamper && frame.length > FRAME_HEADER_BYTES + 40) frame[frame.length - 1]! ^= 0x01;
      res.writeHead(200, { "content-type": FRAME_CONTENT_TYPE, "content-length": frame.length }).end(frame);
    })().catch((e: Error) => res.writeHead(500).end(e.message));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address() as { port: number };
  peer.url = `http://127.0.0.1:${addr.port}`;
  peer.close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  return peer;
}

let src: string;
let record: ArtifactRecord;
let holdings: ArtifactHoldings;
const work: string[] = [];
const policy = { allowLoopback: true, timeoutMs: 5000 };

async function freshDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "fetch-dst-"));
  work.push(d);
  return d;
}

beforeAll(async () => {
  src = await mkdtemp(join(tmpdir(), "fetch-src-"));
  work.push(src);
  const big = Buffer.alloc(3 * 1024 * 1024 + 123);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 0xff;
  await mkdir(join(src, "sub"));
  await writeFile(join(src, "model.onnx"), big);
  await writeFile(join(src, "config.json"), '{"a":1}');
  await writeFile(join(src, "sub", "empty.bin"), "");
  const d = await digestArtifact(src);
  record = { contentRoot: d.contentRoot, files: d.files };
  const held: HeldArtifact = { contentRoot: d.contentRoot, kind: "model", files: d.files.map((f) => ({ ...f, file: join(src, ...f.path.split("/")) })) };
  holdings = new ArtifactHoldings({ list: () => [held] });
});
afterAll(async () => {
  for (const d of work) await rm(d, { recursive: true, force: true });
});

describe("fetchArtifact", () => {
  it("pulls from two peers concurrently, spreads ranges over both, and the content root matches", async () => {
    const a = await startPeer(holdings);
    const b = await startPeer(holdings);
    try {
      const dir = await freshDir();
      const s = await fetchArtifact(record, dir, { peers: [a.url, b.url], policy, rangeLeaves: 16 });
      expect((await digestArtifact(dir)).contentRoot).toBe(record.contentRoot);
      expect(s.bytesFetched).toBe(s.bytesTotal);
      expect(a.requests).toBeGreaterThan(5);
      expect(b.requests).toBeGreaterThan(5);
      expect(s.peers.map((p) => p.ranges).reduce((x, y) => x + y)).toBe(a.requests + b.requests);
      expect(await readdir(dir)).not.toContain(".inferchain-fetch");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("refuses a peer serving a flipped byte, names it, and finishes from the honest one", async () => {
    const bad = await startPeer(holdings, { tamper: true });
    const good = await startPeer(holdings);
    try {
      const dir = await freshDir();
      const events: FetchEvent[] = [];
      const s = await fetchArtifact(record, dir, { peers: [bad.url, good.url], policy, rangeLeaves: 16, onEvent: (e) => events.push(e) });
      expect((await digestArtifact(dir)).contentRoot).toBe(record.contentRoot);
      const refused = events.filter((e) => e.type === "peer-refused");
      expect(refused).toEqual([expect.objectContaining({ peer: bad.url, tampered: true })]);
      const badSummary = s.peers.find((p) => p.peer === bad.url)!;
      expect(badSummary).toMatchObject({ tampered: true, ranges: 0 });
      expect(badSummary.refused).toMatch(/fail verification/);
      expect(bad.requests).toBeGreaterThan(0);
    } finally {
      await bad.close();
      await good.close();
    }
  });

  it("fails with every peer named when only tampering peers are left, keeping nothing unverified", async () => {
    const bad = await startPeer(holdings, { tamper: true });
    try {
      const dir = await freshDir();
      const err = await fetchArtifact(record, dir, { peers: [bad.url], policy, rangeLeaves: 16 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FetchError);
      expect((err as FetchError).message).toContain(bad.url);
      expect(await readdir(dir)).not.toContain("model.onnx");
    } finally {
      await bad.close();
    }
  });

  it("resumes after an interruption without refetching verified ranges", async () => {
    const a = await startPeer(holdings);
    try {
      const dir = await freshDir();
      const ac = new AbortController();
      const first = await fetchArtifact(record, dir, {
        peers: [a.url],
        policy,
        rangeLeaves: 16,
        concurrency: 1,
        signal: ac.signal,
        onProgress: (p) => p.bytesDone > 1024 * 1024 && ac.abort(),
      }).catch((e: unknown) => e);
      expect((first as Error).message).toMatch(/interrupted/);
      const state = JSON.parse(await readFile(join(dir, ".inferchain-fetch", `${record.contentRoot}.json`), "utf8")) as { done: Record<string, string> };
      expect(Object.keys(state.done)).toContain("model.onnx");
      const before = a.requests;
      const s = await fetchArtifact(record, dir, { peers: [a.url], policy, rangeLeaves: 256 });
      expect(s.bytesResumed).toBeGreaterThan(1024 * 1024);
      expect(s.bytesFetched + s.bytesResumed).toBe(s.bytesTotal);
      expect(s.bytesFetched).toBeLessThan(s.bytesTotal);
      // The resumed run kept the first run's 16-leaf ranges, so it asked only for what was missing.
      const total16 = Math.ceil((3 * 1024 * 1024 + 123) / 4096 / 16) + 2;
      expect(a.requests - before).toBeLessThan(total16 - 16);
      expect((await digestArtifact(dir)).contentRoot).toBe(record.contentRoot);
    } finally {
      await a.close();
    }
  });

  it("rotates away from a peer that drops connections", async () => {
    const flaky = await startPeer(holdings, { failAfter: 2 });
    const good = await startPeer(holdings);
    try {
      const dir = await freshDir();
      const s = await fetchArtifact(record, dir, { peers: [flaky.url, good.url], policy, rangeLeaves: 16, maxPeerFailures: 2 });
      expect((await digestArtifact(dir)).contentRoot).toBe(record.contentRoot);
      expect(s.peers.find((p) => p.peer === flaky.url)!.refused).toMatch(/failed requests/);
    } finally {
      await flaky.close();
      await good.close();
    }
  });

  it("skips peers that do not hold the artifact and peers the URL policy refuses, naming each", async () => {
    const none = await startPeer(holdings, { notFound: true });
    try {
      const dir = await freshDir();
      const err = (await fetchArtifact(record, dir, { peers: [none.url, "ftp://example.com", "http://10.0.0.1:1"], policy }).catch((e: unknown) => e)) as FetchError;
      expect(err).toBeInstanceOf(FetchError);
      expect(err.message).toContain(`${none.url}: does not hold this artifact (404)`);
      expect(err.message).toMatch(/ftp:\/\/example.com: .*scheme must be http or https/);
      expect(err.message).toMatch(/10\.0\.0\.1.*private address/);
      const strict = (await fetchArtifact(record, dir, { peers: [none.url] }).catch((e: unknown) => e)) as FetchError;
      expect(strict.message).toMatch(/loopback address; refused/);
    } finally {
      await none.close();
    }
  });

  it("refuses a record whose files do not hash to its content root", async () => {
    const dir = await freshDir();
    await expect(fetchArtifact({ ...record, contentRoot: "ab".repeat(32) }, dir, { peers: ["http://127.0.0.1:1"], policy })).rejects.toThrow(/do not hash to the content root|does not hash/);
  });
});
