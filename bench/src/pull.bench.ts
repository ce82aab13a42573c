/**
 * Pull throughput with verification (fetchArtifact over /v1/artifacts: every 4 KiB leaf hashed and proven
 * against the content root, written to disk, the content root recomputed at the end) vs a plain HTTP download
 * of the same bytes from the same server (GET of each raw file, streamed to disk), same run, alternating rounds, best of N of each.
 * The ratio is plain time / pull time: the pull's throughput as a fraction of plain HTTP (goal >= 0.8).
 *
 * Two settings by default (PULL_BENCH_LINKS=0,119, MiB/s): loopback unpaced, where the run is CPU-bound (client,
 * server and hashing share the machine), and the server's uplink paced at 119 MiB/s (1 Gbit/s), shared by all its
 * responses, as a peer on a real network would be.
 *
 * Run: make bench-pull   (PULL_BENCH_MIB=256 synthetic file size; PULL_BENCH_DIR=<model dir> to pull real
 * files instead, e.g. ~/.cache/inferchain/models/smollm2-135m-instruct; PULL_BENCH_RUNS=3; PULL_BENCH_RANGE=<leaves per
 * request> and PULL_BENCH_INFLIGHT=<requests in flight> to try other settings than the fetcher defaults 256 and 4)
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, open, rm, stat } from "node:fs/promises";
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as http from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import Fastify from "fastify";
import { ArtifactHoldings, LEAF_SIZE, decodeLeafFrame, digestArtifact, fetchArtifact, leafHash, rootFromRangeProof, verifyLeafFrame } from "@inferchain/sdk";
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

interface Timing {
  s: number;
  cpu: number;
  serverCpu: number;
}

/**
 * One timed run of `fn` (which downloads into a fresh dir and returns it), with this process's and the server's
 * CPU seconds. Dirty pages are flushed before (`sync`) and the download is deleted after, both untimed: otherwise
 * the writeback of earlier runs throttles whichever run happens to cross the kernel's dirty limit.
 */
async function timed(base: string, fn: () => Promise<string>): Promise<Timing> {
  execFileSync("sync");
  const sv0 = await serverCpu(base);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const dst = await fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const sv = (await serverCpu(base)) - sv0;
  await rm(dst, { recursive: true, force: true });
  return { s, cpu: (c.user + c.system) / 1e6, serverCpu: sv };
}

const faster = (a: Timing, b: Timing): Timing => (b.s < a.s ? b : a);

async function serverCpu(base: string): Promise<number> {
  const r = await fetch(`${base}/cpu`);
  return Number(await r.text());
}

/** A link of fixed bandwidth shared by every response through it: each chunk waits for its slot. */
class PacedLink {
  private free = 0; // ms timestamp when the link is next idle
  constructor(private readonly bytesPerSec: number) {}
  async *pace(body: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      for (let off = 0; off < chunk.length; off += 64 * 1024) {
        const part = chunk.subarray(off, off + 64 * 1024);
        const now = performance.now();
        this.free = Math.max(this.free, now) + (part.length / this.bytesPerSec) * 1000;
        const wait = this.free - now;
        if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
        yield part;
      }
    }
  }
}

/** The server side: its own process (a peer is another machine), serving /v1/artifacts and /raw/* for `src`. */
async function serve(src: string, linkMiBps: number): Promise<void> {
  const d = await digestArtifact(src);
  const holdings = new ArtifactHoldings({ list: () => [{ contentRoot: d.contentRoot, kind: "model", files: d.files.map((f) => ({ ...f, file: join(src, ...f.path.split("/")) })) }] });
  const app = Fastify();
  if (linkMiBps > 0) {
    // Every response body leaves through one paced link: plain and verified bodies alike.
    const link = new PacedLink(linkMiBps * MIB);
    app.addHook("onSend", async (req, reply, payload) => {
      if (req.url === "/cpu") return payload;
      if (Buffer.isBuffer(payload)) {
        reply.header("content-length", payload.length);
        return Readable.from(link.pace([payload]));
      }
      if (payload instanceof Readable) return Readable.from(link.pace(payload));
      return payload;
    });
  }
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

/** One run of the comparison against a server whose uplink is `linkMiBps` (0 = loopback, unpaced). */
async function compare(src: string, d: Awaited<ReturnType<typeof digestArtifact>>, linkMiBps: number): Promise<void> {
  const total = Number(d.totalBytes);
  const server = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env: { ...process.env, PULL_BENCH_SERVE: src, PULL_BENCH_LINK: String(linkMiBps) }, stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise<string>((resolve, reject) => {
    server.stdout.once("data", (b: Buffer) => resolve(b.toString().trim().replace(/\/+$/, "")));
    server.once("exit", (c) => reject(new Error(`bench server exited (${c})`)));
  });
  const work = await mkdtemp(join(tmpdir(), "pull-bench-dst-"));
  try {
    console.log(linkMiBps > 0 ? `\nserver uplink paced at ${linkMiBps} MiB/s (${((linkMiBps * MIB * 8) / 1e9).toFixed(2)} Gbit/s), shared by its responses:` : "\nloopback, unpaced (CPU-bound: client, server and hashing share this machine's cores):");
    // Warm-up: page cache for both, the server's file trees for the pull.
    await plainDownload(base, d.files.map((f) => f.path), work);
    await fetchArtifact(d, join(work, "warm"), { peers: [base], policy: { allowLoopback: true } });
    await rm(join(work, "warm"), { recursive: true, force: true });

    let n = 0;
    const plainRun = async (): Promise<string> => {
      const dst = join(work, `plain${n++}`);
      await mkdir(dst);
      await plainDownload(base, d.files.map((f) => f.path), dst);
      return dst;
    };
    const pullRun = async (): Promise<string> => {
      const dst = join(work, `pull${n++}`);
      const s = await fetchArtifact(d, dst, { peers: [base], policy: { allowLoopback: true }, ...(process.env.PULL_BENCH_RANGE ? { rangeLeaves: Number(process.env.PULL_BENCH_RANGE) } : {}), ...(process.env.PULL_BENCH_INFLIGHT ? { perPeer: Number(process.env.PULL_BENCH_INFLIGHT), concurrency: Number(process.env.PULL_BENCH_INFLIGHT) } : {}) });
      if (s.bytesFetched !== total) throw new Error(`pulled ${s.bytesFetched} of ${total} bytes`);
      if ((await stat(join(dst, d.files[0]!.path))).size !== Number(d.files[0]!.size)) throw new Error("pulled file has the wrong size");
      return dst;
    };
    // Alternating rounds, best of each: slow drift of the machine (other load, page cache) hits both alike.
    let plain = await timed(base, plainRun);
    let pull = await timed(base, pullRun);
    for (let i = 1; i < runs; i++) {
      plain = faster(plain, await timed(base, plainRun));
      pull = faster(pull, await timed(base, pullRun));
    }
    const rate = (s: number): string => `${(total / MIB / s).toFixed(0)} MiB/s`;
    const cpu = (r: { cpu: number; serverCpu: number }): string => `CPU s: client ${r.cpu.toFixed(2)}, server ${r.serverCpu.toFixed(2)}`;
    console.log(`  plain HTTP download     ${plain.s.toFixed(2)} s  ${rate(plain.s)}  ${cpu(plain)}`);
    console.log(`  verified pull           ${pull.s.toFixed(2)} s  ${rate(pull.s)}  ${cpu(pull)}  (every leaf hashed and proven, written, root recomputed)`);
    console.log(`  ratio (pull throughput / plain HTTP): ${(plain.s / pull.s).toFixed(2)}x  (goal >= 0.80x)`);
  } finally {
    server.kill("SIGTERM");
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The client's check of one frame, CPU only, on frames built in memory: verifyLeafFrame (leaf hashes written into
 * one buffer, the range proof walked over it) vs the per-leaf form it replaced (a Buffer per leaf hash, an array
 * of them into rootFromRangeProof), on the same frames in the same run.
 */
async function frameCheck(mib: number): Promise<void> {
  const data = randomBytes(mib * MIB);
  const dir = await mkdtemp(join(tmpdir(), "pull-bench-frames-"));
  try {
    const fh = await open(join(dir, "w.bin"), "w");
    await fh.write(data, 0, data.length, 0);
    await fh.close();
    const d = await digestArtifact(dir);
    const file = d.files[0]!;
    const holdings = new ArtifactHoldings({ list: () => [{ contentRoot: d.contentRoot, kind: "model", files: [{ ...file, file: join(dir, "w.bin") }] }] });
    const per = 256;
    const frames = await Promise.all(Array.from({ length: (mib * MIB) / (per * LEAF_SIZE) }, (_, r) => holdings.frame(d.contentRoot, "w.bin", r * per, per)));
    const expectation = (r: number) => ({ file, fileIndex: 0, fileCount: 1, contentRoot: d.contentRoot, first: r * per, count: per });
    const perLeaf = (): void => {
      for (const [r, b] of frames.entries()) {
        const f = decodeLeafFrame(b);
        const leaves: Buffer[] = [];
        for (let i = 0; i < f.count; i++) leaves.push(leafHash(f.data.subarray(i * LEAF_SIZE, (i + 1) * LEAF_SIZE)));
        if (rootFromRangeProof(leaves, expectation(r).first, f.leafCount, f.rangeProof).toString("hex") !== file.root) throw new Error("per-leaf check failed");
      }
    };
    const current = (): void => {
      for (const [r, b] of frames.entries()) verifyLeafFrame(decodeLeafFrame(b), expectation(r));
    };
    const cpuOf = (fn: () => void): number => {
      const c0 = process.cpuUsage();
      fn();
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / 1e6;
    };
    let a = Infinity;
    let b = Infinity;
    for (let i = 0; i < Math.max(3, runs); i++) {
      a = Math.min(a, cpuOf(perLeaf));
      b = Math.min(b, cpuOf(current));
    }
    console.log(`\nframe check, CPU only (${mib} MiB in ${frames.length} frames of ${per} leaves, in memory):`);
    console.log(`  per-leaf Buffers + array  ${a.toFixed(3)} CPU s`);
    console.log(`  verifyLeafFrame           ${b.toFixed(3)} CPU s  (${((mib * MIB) / LEAF_SIZE / b / 1e3).toFixed(0)} k leaves/s)`);
    console.log(`  ratio (per-leaf / verifyLeafFrame): ${(a / b).toFixed(2)}x`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.env.PULL_BENCH_SERVE) return serve(process.env.PULL_BENCH_SERVE, Number(process.env.PULL_BENCH_LINK ?? 0));
  const given = process.env.PULL_BENCH_DIR;
  const src = given ?? (await syntheticDir(Number(process.env.PULL_BENCH_MIB ?? 256)));
  const links = (process.env.PULL_BENCH_LINKS ?? "0,119").split(",").map(Number);
  if (links.some((l) => !Number.isFinite(l) || l < 0)) throw new Error("PULL_BENCH_LINKS: comma-separated MiB/s, 0 = unpaced");
  try {
    const d = await digestArtifact(src);
    console.log(`pull bench: ${(Number(d.totalBytes) / MIB).toFixed(0)} MiB in ${d.files.length} files (${given ? given : "synthetic"}), server in its own process, best of ${runs}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    for (const l of links) await compare(src, d, l);
    // Last: its 256 MiB of frames held in memory would slow the GC of the timed downloads above.
    await frameCheck(Math.min(256, Number(process.env.PULL_BENCH_MIB ?? 256)));
  } finally {
    if (!given) await rm(src, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
