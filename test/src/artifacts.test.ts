/**
 * Artifact sharing over a real localnet: SmolLM2 is pulled from the sidecar that serves it (its endpoint from
 * the Executor record on chain) into an empty dir and verified; a peer that flips a byte is refused and named
 * while the pull finishes from the honest sidecar; an interrupted pull resumes without refetching.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_MODEL_NAME, REPO_ROOT } from "@inferchain/localnet";
import { FRAME_CONTENT_TYPE, FRAME_HEADER_BYTES, InferchainClient, digestArtifact, fetchArtifact, type FetchSummary } from "@inferchain/sdk";
import { inferchainCli } from "./helpers.js";

const run = promisify(execFile);
const localnet = inject("localnet");
const rpc = localnet.nodes[0]!.endpoints.rpc;
const smol = localnet.models.find((m) => m.name === DEFAULT_MODEL_NAME)!;
const honest = localnet.sidecars[0]!.api.replace(/\/+$/, "");
const dirs: string[] = [];
const emptyDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "inferchain-pull-"));
  dirs.push(d);
  return d;
};

/** A peer that proxies the honest sidecar and flips one byte of the leaf data in every range it serves. */
async function startTamperingPeer(): Promise<{ app: FastifyInstance; url: string; ranges: () => number }> {
  let ranges = 0;
  const app = Fastify();
  app.get("/*", async (req, reply) => {
    const res = await fetch(`${honest}${req.url}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (res.headers.get("content-type") === FRAME_CONTENT_TYPE && body.length > FRAME_HEADER_BYTES + 4096) {
      ranges++;
      body[body.length - 4000]! ^= 0x01;
    }
    return reply.code(res.status).type(res.headers.get("content-type") ?? "application/octet-stream").send(body);
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, url, ranges: () => ranges };
}

let chain: InferchainClient;
beforeAll(async () => {
  expect(smol, "the e2e localnet registers SmolLM2").toBeDefined();
  chain = await InferchainClient.connect(rpc);
});
afterAll(() => {
  chain?.disconnect();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("artifact sharing", () => {
  it("the executor record on chain carries the sidecar endpoint that serves SmolLM2", async () => {
    const executors = await chain.getExecutorsOfModel(smol.contentRoot);
    expect(executors.map((e) => e.endpoint.replace(/\/+$/, ""))).toContain(honest);
    const res = await fetch(`${honest}/v1/artifacts/${smol.contentRoot}`);
    expect(res.status).toBe(200);
    const m = (await res.json()) as { files: { path: string }[] };
    expect(m.files.map((f) => f.path)).toEqual(["config.json", "model.onnx", "tokenizer.json"]);
    expect((await fetch(`${honest}/v1/artifacts/${"ab".repeat(32)}`)).status).toBe(404);
    expect((await fetch(`${honest}/v1/artifacts/${smol.contentRoot}/model.onnx?leaf=0..4096`)).status).toBe(400);
  });

  it("inferchain fetch pulls SmolLM2 by name@version from the chain's executors into an empty dir; the content root matches", async () => {
    const dir = emptyDir();
    const r = await inferchainCli(["fetch", `${smol.name}@${smol.version}`, dir, "--node", rpc, "--allow-loopback-peers", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as FetchSummary;
    expect(s.contentRoot).toBe(smol.contentRoot);
    expect(s.bytesFetched).toBe(s.bytesTotal);
    expect(s.peers.find((p) => p.peer === honest)?.ranges).toBeGreaterThan(10);
    expect((await digestArtifact(dir)).contentRoot).toBe(smol.contentRoot);
    expect((await readdir(dir)).sort()).toEqual(["config.json", "model.onnx", "tokenizer.json"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("without --allow-loopback-peers the localnet's 127.0.0.1 endpoint is refused by name", async () => {
    const r = await inferchainCli(["fetch", smol.contentRoot, emptyDir(), "--node", rpc]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(honest);
    expect(r.stderr).toMatch(/loopback address; refused/);
  });

  it("a peer serving a flipped byte is refused and named; the pull finishes from the honest sidecar", async () => {
    const bad = await startTamperingPeer();
    try {
      const dir = emptyDir();
      const r = await inferchainCli(["fetch", smol.contentRoot, dir, "--node", rpc, "--peer", bad.url.replace(/\/+$/, ""), "--allow-loopback-peers"]);
      expect(r.code, r.stderr).toBe(0);
      expect(bad.ranges()).toBeGreaterThan(0);
      const badUrl = bad.url.replace(/\/+$/, "");
      expect(r.stderr).toContain(`REFUSED (tampered data) peer ${badUrl}`);
      expect(r.stdout).toMatch(new RegExp(`peer ${badUrl.replace(/[.]/g, "\\.")}: 0 ranges.*REFUSED, served tampered data`));
      expect(r.stdout).toContain("content root recomputed and equal to the chain's");
      expect((await digestArtifact(dir)).contentRoot).toBe(smol.contentRoot);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await bad.app.close();
    }
  });

  it("an interrupted pull resumes (inferchain-node models pull) without refetching verified leaves", async () => {
    const dir = emptyDir();
    const record = await chain.getModel(smol.contentRoot);
    const ac = new AbortController();
    const err = await fetchArtifact({ contentRoot: record.contentRoot, files: record.files }, dir, {
      peers: [honest],
      policy: { allowLoopback: true },
      signal: ac.signal,
      onProgress: (p) => p.bytesDone > p.bytesTotal / 3 && ac.abort(),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/interrupted/);
    expect(await readdir(dir)).toContain(".inferchain-fetch");
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, "node", "dist", "cli", "main.js"), "models", "pull", smol.contentRoot, "--dir", dir, "--node", rpc, "--allow-loopback-peers", "--json"], { maxBuffer: 16 << 20 });
    const s = JSON.parse(stdout) as FetchSummary;
    expect(s.bytesResumed).toBeGreaterThan(s.bytesTotal / 3 - 4 * 1024 * 1024);
    expect(s.bytesFetched + s.bytesResumed).toBe(s.bytesTotal);
    expect(s.bytesFetched).toBeLessThan(s.bytesTotal * 0.7);
    expect((await digestArtifact(dir)).contentRoot).toBe(smol.contentRoot);
    expect(await readdir(dir)).not.toContain(".inferchain-fetch");
  });
});
