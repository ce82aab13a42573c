/**
 * Pull throughput with verification (fetchArtifact over /v1/artifacts: every 4 KiB leaf hashed and proven
 * against the content root, written to disk, the content root recomputed at the end) vs a plain HTTP download
 * of the same bytes from the same server (GET of each raw file, streamed to disk), same run, best of N.
 * The ratio is plain time / pull time: the pull's throughput as a fraction of plain HTTP (goal >= 0.8).
 *
 * Run: make bench-pull   (PULL_BENCH_MIB=256 synthetic file size; PULL_BENCH_DIR=<model dir> to pull real
 * files instead, e.g. ~/.cache/inferchain/models/smollm2-135m-instruct; PULL_BENCH_RUNS=3; PULL_BENCH_RANGE=<leaves per
 * request> and PULL_BENCH_INFLIGHT=<requests in flight> to try other settings than the fetcher defaults 256 and 4)
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, open, rm, stat } from "node:fs/promises";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as http from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import Fastify from "fastify";
import { ArtifactHoldings, digestArtifact, fetchArtifact } from "@inferchain/sdk";
import { registerArtifactRoutes } from "@inferchain/node";

const MIB = 1024 * 1024;
const runs = Number(process.env.PULL_BENCH_RUNS ?? 3);

async function syntheticDir(mib: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pull-bench-src-"));
  const block = randomBytes(16 * MIB);
  const fh = await open(join(dir, "model.onnx"), "w");
  for (let off = 0; off < mib * MIB; off += block.length) await fh.write(block, 0, Math.min(block.length, mib * MIB - off), off);
  await fh.close();
  const small = await open(join(dir, "config.json"), "w");
  await small.write('{"bench":true}');
  await small.close();
  return dir;
}

async function plainDownload(base: string, paths: string[], dst: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true });
  for (const p of paths) {
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${base}/raw/${p.split("/").map(encodeURIComponent).join("/")}`, { agent }, (res) => {
          pipeline(res, createWriteStream(join(dst, p.replace(/\//g, "_")))).then(resolve, reject);
        })
        .on("error", reject);
    });
  }
  agent.destroy();
}

/** Best wall time of `runs`, with this process's and the server's CPU seconds in that run. */
async function best(base: string, fn: () => Promise<unknown>): Promise<{ s: number; cpu: number; serverCpu: number }> {
  let b = { s: Infinity, cpu: 0, serverCpu: 0 };
  for (let i = 0; i < runs; i++) {
    const sv0 = await serverCpu(base);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    const sv = (await serverCpu(base)) - sv0;
    if (s < b.s) b = { s, cpu: (c.user + c.system) / 1e6, serverCpu: sv };
  }
  return b;
}

async function serverCpu(base: string): Promise<number> {
  const r = await fetch(`${base}/cpu`);
  return Number(await r.text());
}

/** The server side: its own process (a peer is another machine), serving /v1/artifacts and /raw/* for `src`. */
async function serve(src: string): Promise<void> {
  const d = await digestArtifact(src);
  const holdings = new ArtifactHoldings({ list: () => [{ contentRoot: d.contentRoot, kind: "model", files: d.files.map((f) => ({ ...f, file: join(src, ...f.path.split("/")) })) }] });
  const app = Fastify();
  registerArtifactRoutes(app, holdings);
  app.get<{ Params: { "*": string } }>("/raw/*", async (req, reply) => {
    const f = d.files.find((x) => x.path === req.params["*"]);
    if (!f) return reply.code(404).send();
    return reply.type("application/octet-stream").header("content-length", Number(f.size)).send(createReadStream(join(src, ...f.path.split("/"))));
  });
  app.get("/cpu", async () => {
    const c = process.cpuUsage();
    return String((c.user + c.system) / 1e6);
  });
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  process.stdout.write(`${base}\n`);
  process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  if (process.env.PULL_BENCH_SERVE) return serve(process.env.PULL_BENCH_SERVE);
  const given = process.env.PULL_BENCH_DIR;
  const src = given ?? (await syntheticDir(Number(process.env.PULL_BENCH_MIB ?? 256)));
  const d = await digestArtifact(src);
  const total = Number(d.totalBytes);
  const server = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env: { ...process.env, PULL_BENCH_SERVE: src }, stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise<string>((resolve, reject) => {
    server.stdout.once("data", (b: Buffer) => resolve(b.toString().trim().replace(/\/+$/, "")));
    server.once("exit", (c) => reject(new Error(`bench server exited (${c})`)));
  });
  const work = await mkdtemp(join(tmpdir(), "pull-bench-dst-"));
  try {
    console.log(`pull bench: ${(total / MIB).toFixed(0)} MiB in ${d.files.length} files (${given ? given : "synthetic"}), server in its own process, best of ${runs}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    // Warm-up: page cache for both, the server's file trees for the pull.
    await plainDownload(base, d.files.map((f) => f.path), work);
    await fetchArtifact(d, join(work, "warm"), { peers: [base], policy: { allowLoopback: true } });
    await rm(join(work, "warm"), { recursive: true, force: true });

    let n = 0;
    const plain = await best(base, async () => {
      const dst = join(work, `plain${n++}`);
      await mkdir(dst);
      await plainDownload(base, d.files.map((f) => f.path), dst);
      await rm(dst, { recursive: true, force: true });
    });
    const pull = await best(base, async () => {
      const dst = join(work, `pull${n++}`);
      const s = await fetchArtifact(d, dst, { peers: [base], policy: { allowLoopback: true }, ...(process.env.PULL_BENCH_RANGE ? { rangeLeaves: Number(process.env.PULL_BENCH_RANGE) } : {}), ...(process.env.PULL_BENCH_INFLIGHT ? { perPeer: Number(process.env.PULL_BENCH_INFLIGHT), concurrency: Number(process.env.PULL_BENCH_INFLIGHT) } : {}) });
      if (s.bytesFetched !== total) throw new Error(`pulled ${s.bytesFetched} of ${total} bytes`);
      if ((await stat(join(dst, d.files[0]!.path))).size !== Number(d.files[0]!.size)) throw new Error("pulled file has the wrong size");
      await rm(dst, { recursive: true, force: true });
    });
    const rate = (s: number): string => `${(total / MIB / s).toFixed(0)} MiB/s`;
    const cpu = (r: { cpu: number; serverCpu: number }): string => `CPU s: client ${r.cpu.toFixed(2)}, server ${r.serverCpu.toFixed(2)}`;
    console.log(`plain HTTP download     ${plain.s.toFixed(2)} s  ${rate(plain.s)}  ${cpu(plain)}`);
    console.log(`verified pull           ${pull.s.toFixed(2)} s  ${rate(pull.s)}  ${cpu(pull)}  (every leaf hashed and proven, written, root recomputed)`);
    console.log(`ratio (pull throughput / plain HTTP): ${(plain.s / pull.s).toFixed(2)}x  (goal >= 0.80x)`);
  } finally {
    server.kill("SIGTERM");
    await rm(work, { recursive: true, force: true });
    if (!given) await rm(src, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
