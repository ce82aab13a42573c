/**
 * Downloads a registered artifact (model or dataset) by content root from the sidecars that serve it
 * (`GET /v1/artifacts/<root>/<path>?leaf=i..j`), checking every range against the on-chain root before a byte
 * is written, spreading ranges over several peers, and resuming after an interruption.
 *
 * On disk, while a pull runs: `<dir>/<path>.partial` (the file being filled, at its final size) and
 * `<dir>/.inferchain-fetch/<root>.json` (which ranges are verified and written). Data is written before its
 * range is marked done, so a crash at any point loses at most the ranges in flight. When every range of a
 * file is in, `.partial` becomes the file; at the end the whole artifact is re-hashed from disk and must give
 * the chain's content root, and the state file is removed.
 */
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InferchainError, invalidArgument } from "../errors.js";
import { LEAF_SIZE } from "../digest/constants.js";
import { contentRootFromFiles, sortFiles, type ArtifactFileDigest } from "../digest/content-root.js";
import { digestFile } from "../digest/digest.js";
import { leafHashesInto } from "../digest/merkle.js";
import { MerkleLevels } from "../digest/proof.js";
import { isDigest } from "../digest/hex.js";
import { validateArtifactPath } from "../digest/inputs.js";
import { peerGet, PeerRequestError, checkPeerUrl, type PeerPolicy } from "../net/peer-http.js";
import { FrameError, FRAME_CONTENT_TYPE, MAX_RANGE_LEAVES, decodeLeafFrame, leafCountOf, maxFrameBytes, rangeBytes, verifyLeafFrame } from "./framing.js";
import { type ArtifactManifest, parseManifest } from "./manifest.js";

/** What the chain records about the artifact: the content root and its files. */
export interface ArtifactRecord {
  contentRoot: string;
  files: readonly ArtifactFileDigest[];
}

export interface FetchProgress {
  bytesDone: number;
  bytesTotal: number;
  /** Bytes that were already verified on disk from an earlier, interrupted run. */
  bytesResumed: number;
  peersActive: number;
  peersRefused: number;
}

export type FetchEvent =
  | { type: "peer-ready"; peer: string }
  | { type: "peer-skipped"; peer: string; reason: string }
  | { type: "peer-refused"; peer: string; reason: string; tampered: boolean }
  | { type: "range-retry"; peer: string; path: string; first: number; count: number; reason: string }
  | { type: "file-done"; path: string }
  | { type: "verifying" };

export interface FetchOptions {
  /** Peer base URLs (sidecar API). Each is checked against `policy`. */
  peers: readonly string[];
  policy?: PeerPolicy;
  /** Leaves per request (default 256 = 1 MiB; at most 1024). */
  rangeLeaves?: number;
  /** Requests in flight over all peers (default 8) and per peer (default 4). */
  concurrency?: number;
  perPeer?: number;
  /** Network/5xx failures before a peer is dropped (default 3). A tampered frame drops it at once. */
  maxPeerFailures?: number;
  onProgress?: (p: FetchProgress) => void;
  onEvent?: (e: FetchEvent) => void;
  signal?: AbortSignal;
}

export interface PeerSummary {
  peer: string;
  ranges: number;
  bytes: number;
  /** Why the peer was dropped or skipped (absent when it served to the end). */
  refused?: string;
  tampered?: boolean;
}

export interface FetchSummary {
  contentRoot: string;
  dir: string;
  files: number;
  bytesTotal: number;
  /** Bytes downloaded and verified in this run, and bytes found verified from an earlier run. */
  bytesFetched: number;
  bytesResumed: number;
  seconds: number;
  peers: PeerSummary[];
}

/** No peer (left) can serve the artifact or a range of it; lists every peer and why. */
export class FetchError extends InferchainError {
  override readonly name: string = "FetchError";
  constructor(
    message: string,
    readonly peers: PeerSummary[],
  ) {
    super("unavailable", message);
  }
}

const STATE_DIR = ".inferchain-fetch";
const STATE_VERSION = 1;

interface FetchState {
  version: number;
  contentRoot: string;
  rangeLeaves: number;
  /** Per path: one bit per range, set when verified and written (base64 bitmap). */
  done: Record<string, string>;
}

interface FileJob {
  file: ArtifactFileDigest;
  index: number;
  size: number;
  leafCount: number;
  ranges: number;
  done: Uint8Array;
  remaining: number;
  fd?: Promise<FileHandle>;
  finished?: boolean;
  /** Leaf hashes of the ranges verified in this run (n × 32 bytes), and which ranges they cover. */
  leafHashes?: Buffer;
  fetched?: Uint8Array;
  /** The whole file was re-hashed from disk at the start (already complete). */
  hashedAtStart?: boolean;
}

interface Unit {
  job: FileJob;
  range: number;
  /** Peers this range must not go to again (they served bad bytes for it, or do not have it). */
  failedPeers: Set<string>;
  attempts: number;
}

interface Peer {
  url: string;
  inflight: number;
  failures: number;
  dropped?: string;
  tampered?: boolean;
  ranges: number;
  bytes: number;
}

const isSet = (bits: Uint8Array, i: number): boolean => (bits[i >> 3]! & (1 << (i & 7))) !== 0;
const setBit = (bits: Uint8Array, i: number): void => void (bits[i >> 3]! |= 1 << (i & 7));

/** The relative path of a file inside dir, or a typed error when the chain's path could escape it. */
function localPath(dir: string, path: string): string {
  validateArtifactPath(path);
  return join(dir, ...path.split("/"));
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Fetches `artifact` into `dir` from `o.peers`. Resolves with a summary once the content root is re-checked from disk. */
export async function fetchArtifact(artifact: ArtifactRecord, dir: string, o: FetchOptions): Promise<FetchSummary> {
  const started = Date.now();
  const root = artifact.contentRoot.toLowerCase();
  if (!isDigest(root)) throw invalidArgument("contentRoot", `"${artifact.contentRoot}" is not a 64-hex content root`);
  if (contentRootFromFiles(artifact.files) !== root) throw invalidArgument("files", "the file list does not hash to the content root (a corrupt registry record?)");
  const rangeLeavesWanted = o.rangeLeaves ?? 256;
  if (!Number.isInteger(rangeLeavesWanted) || rangeLeavesWanted < 1 || rangeLeavesWanted > MAX_RANGE_LEAVES) throw invalidArgument("rangeLeaves", `must be an integer in [1, ${MAX_RANGE_LEAVES}]`);
  const concurrency = o.concurrency ?? 8;
  const perPeer = o.perPeer ?? 4;
  const maxFailures = o.maxPeerFailures ?? 3;
  const policy = o.policy ?? {};
  const files = sortFiles(artifact.files);
  for (const f of files) localPath(dir, f.path);
  if (o.peers.length === 0) throw invalidArgument("peers", "no peer to fetch from (no executor endpoint on chain serves it; pass --peer <url>)");
  const emit = (e: FetchEvent): void => o.onEvent?.(e);

  // Peers: URL policy first (refusals are named), then each must hold the artifact with the chain's file list.
  const peers: Peer[] = [];
  const summaries: PeerSummary[] = [];
  const seen = new Set<string>();
  await Promise.all(
    o.peers.map(async (raw) => {
      let url: string;
      try {
        url = checkPeerUrl(raw, policy);
      } catch (e) {
        summaries.push({ peer: raw, ranges: 0, bytes: 0, refused: (e as Error).message });
        return emit({ type: "peer-skipped", peer: raw, reason: (e as Error).message });
      }
      if (seen.has(url)) return;
      seen.add(url);
      try {
        const res = await peerGet(`${url}/v1/artifacts/${root}`, { policy: { ...policy, maxBytes: 4 * 1024 * 1024 }, accept: "application/json", ...(o.signal ? { signal: o.signal } : {}) });
        const manifest: ArtifactManifest = parseManifest(JSON.parse(res.body.toString("utf8")));
        const mismatch = manifestMismatch(manifest, root, files);
        if (mismatch) throw new Error(mismatch);
        peers.push({ url, inflight: 0, failures: 0, ranges: 0, bytes: 0 });
        emit({ type: "peer-ready", peer: url });
      } catch (e) {
        const reason = e instanceof PeerRequestError && e.status === 404 ? "does not hold this artifact (404)" : (e as Error).message;
        summaries.push({ peer: url, ranges: 0, bytes: 0, refused: reason });
        emit({ type: "peer-skipped", peer: url, reason });
      }
    }),
  );
  const allSummaries = (): PeerSummary[] => [
    ...peers.map((p) => ({ peer: p.url, ranges: p.ranges, bytes: p.bytes, ...(p.dropped ? { refused: p.dropped } : {}), ...(p.tampered ? { tampered: true } : {}) })),
    ...summaries,
  ];
  if (peers.length === 0) throw new FetchError(`no peer serves ${root}:\n${summaries.map((s) => `  ${s.peer}: ${s.refused}`).join("\n")}`, allSummaries());

  // Resume state.
  await mkdir(join(dir, STATE_DIR), { recursive: true });
  const statePath = join(dir, STATE_DIR, `${root}.json`);
  const prior = await loadState(statePath, root);
  const rangeLeaves = prior?.rangeLeaves ?? rangeLeavesWanted;
  const state: FetchState = { version: STATE_VERSION, contentRoot: root, rangeLeaves, done: {} };
  const jobs: FileJob[] = [];
  let bytesTotal = 0;
  let bytesResumed = 0;
  for (const [index, file] of files.entries()) {
    const size = Number(file.size);
    bytesTotal += size;
    const leafCount = leafCountOf(size);
    const ranges = Math.ceil(leafCount / rangeLeaves);
    const job: FileJob = { file, index, size, leafCount, ranges, done: new Uint8Array(Math.ceil(ranges / 8)), remaining: ranges };
    jobs.push(job);
    const final = localPath(dir, file.path);
    const partial = `${final}.partial`;
    if (!(await exists(partial)) && (await exists(final))) {
      // Already complete from an earlier run (or placed by hand): keep it only if it hashes to the chain's root.
      const d = await digestFile(final).catch(() => undefined);
      if (d && d.size === file.size && d.root === file.root) {
        job.done.fill(0xff);
        job.remaining = 0;
        job.hashedAtStart = true;
        bytesResumed += size;
        continue;
      }
    }
    const bits = prior?.done[file.path];
    if (bits && (await exists(partial)) && (await stat(partial)).size === size) {
      const b = Buffer.from(bits, "base64");
      if (b.length === job.done.length) {
        job.done.set(b);
        for (let r = 0; r < ranges; r++) if (isSet(job.done, r)) {
          job.remaining--;
          bytesResumed += rangeBytes(size, r * rangeLeaves, Math.min(rangeLeaves, leafCount - r * rangeLeaves));
        }
      }
    }
  }
  for (const j of jobs) state.done[j.file.path] = Buffer.from(j.done).toString("base64");

  let saving: Promise<void> = Promise.resolve();
  let dirty = false;
  const saveState = (): Promise<void> => {
    dirty = true;
    saving = saving.then(async () => {
      if (!dirty) return;
      dirty = false;
      for (const j of jobs) state.done[j.file.path] = Buffer.from(j.done).toString("base64");
      const tmp = `${statePath}.tmp`;
      await writeFile(tmp, JSON.stringify(state));
      await rename(tmp, statePath);
    });
    return saving;
  };
  await saveState();

  const queue: Unit[] = [];
  for (const job of jobs) for (let r = 0; r < job.ranges; r++) if (!isSet(job.done, r)) queue.push({ job, range: r, failedPeers: new Set(), attempts: 0 });

  let bytesDone = bytesResumed;
  const progress = (): void =>
    o.onProgress?.({ bytesDone, bytesTotal, bytesResumed, peersActive: peers.filter((p) => !p.dropped).length, peersRefused: peers.filter((p) => p.dropped).length + summaries.length });
  progress();

  // One handle per file, opened once (two ranges of a new file must not both create it).
  const openPartial = (job: FileJob): Promise<FileHandle> => {
    job.fd ??= (async () => {
      const partial = `${localPath(dir, job.file.path)}.partial`;
      await mkdir(dirname(partial), { recursive: true });
      const fd = await open(partial, (await exists(partial)) ? "r+" : "w+");
      if ((await fd.stat()).size !== job.size) await fd.truncate(job.size);
      return fd;
    })();
    return job.fd;
  };
  const finishFile = async (job: FileJob): Promise<void> => {
    if (job.finished) return;
    job.finished = true;
    const final = localPath(dir, job.file.path);
    if (job.fd) {
      await (await job.fd).close();
      delete job.fd;
    }
    await rename(`${final}.partial`, final);
    emit({ type: "file-done", path: job.file.path });
  };
  // Files complete on disk from the prior run's state but not yet renamed.
  for (const job of jobs) if (job.remaining === 0 && (await exists(`${localPath(dir, job.file.path)}.partial`))) await finishFile(job);

  const drop = (p: Peer, reason: string, tampered: boolean): void => {
    if (p.dropped) return;
    p.dropped = reason;
    if (tampered) p.tampered = true;
    emit({ type: "peer-refused", peer: p.url, reason, tampered });
    progress();
  };

  let rr = 0;
  const pickPeer = (u: Unit): Peer | undefined => {
    const ok = peers.filter((p) => !p.dropped && !u.failedPeers.has(p.url) && p.inflight < perPeer);
    if (ok.length === 0) return undefined;
    const least = Math.min(...ok.map((p) => p.inflight));
    const best = ok.filter((p) => p.inflight === least);
    return best[rr++ % best.length];
  };
  const usable = (u: Unit): boolean => peers.some((p) => !p.dropped && !u.failedPeers.has(p.url));

  // Response bodies are filled into reused buffers (one per request in flight): a fresh MiB per range costs page
  // faults and young-generation GC, about a fifth of a loopback pull's client CPU.
  const maxFrame = maxFrameBytes(rangeLeaves * LEAF_SIZE);
  const bodies: Buffer[] = [];
  let fatal: Error | undefined;
  let lastSave = 0;
  let inflight = 0;

  /** Fetches and verifies one range from `p`; a failure is the peer's (retried elsewhere). Local I/O errors are fatal. */
  const runUnit = async (u: Unit, p: Peer): Promise<void> => {
    const { job } = u;
    const first = u.range * rangeLeaves;
    const count = Math.min(rangeLeaves, job.leafCount - first);
    const want = rangeBytes(job.size, first, count);
    const url = `${p.url}/v1/artifacts/${root}/${job.file.path.split("/").map(encodeURIComponent).join("/")}?leaf=${first}..${first + count - 1}`;
    let data: Buffer;
    let hashes: Buffer;
    const into = bodies.pop() ?? Buffer.allocUnsafe(maxFrame);
    try {
      const res = await peerGet(url, { policy: { ...policy, maxBytes: maxFrameBytes(want) }, accept: FRAME_CONTENT_TYPE, into, ...(o.signal ? { signal: o.signal } : {}) });
      const frame = decodeLeafFrame(res.body);
      hashes = verifyLeafFrame(frame, { file: job.file, fileIndex: job.index, fileCount: files.length, contentRoot: root, first, count });
      data = frame.data;
    } catch (e) {
      bodies.push(into);
      if (o.signal?.aborted) return;
      const tampered = e instanceof FrameError;
      const reason = tampered ? `served bytes that fail verification: ${(e as Error).message}` : (e as Error).message;
      u.attempts++;
      if (tampered || (e instanceof PeerRequestError && (e.status === 404 || e.reason === "refused_address"))) {
        u.failedPeers.add(p.url);
        drop(p, reason, tampered);
      } else if (++p.failures >= maxFailures) drop(p, `${maxFailures} failed requests in a row, last: ${reason}`, false);
      emit({ type: "range-retry", peer: p.url, path: job.file.path, first, count, reason });
      // Transient failures may retry on the same peer (its strikes bound that); a range that keeps failing gives up.
      if (!usable(u) || u.attempts > maxFailures * peers.length + 1) {
        fatal ??= new FetchError(
          `leaves [${first}, ${first + count}) of ${job.file.path} could not be fetched from any peer; verified ranges are kept, run again to resume:\n${allSummaries()
            .map((s) => `  ${s.peer}: ${s.refused ?? `served ${s.ranges} ranges, then failed this one: ${p.url === s.peer ? reason : "not tried"}`}`)
            .join("\n")}`,
          allSummaries(),
        );
        return;
      }
      queue.unshift(u);
      return;
    }
    // Verified: write, then record (never the other way round).
    try {
      const fd = await openPartial(job);
      if (data.length > 0) await fd.write(data, 0, data.length, first * LEAF_SIZE);
    } finally {
      bodies.push(into);
    }
    job.leafHashes ??= Buffer.alloc(job.leafCount * 32);
    job.fetched ??= new Uint8Array(job.done.length);
    hashes.copy(job.leafHashes, first * 32);
    setBit(job.fetched, u.range);
    setBit(job.done, u.range);
    job.remaining--;
    p.failures = 0;
    p.ranges++;
    p.bytes += want;
    bytesDone += want;
    if (Date.now() - lastSave > 200 || job.remaining === 0) {
      lastSave = Date.now();
      await saveState();
    }
    progress();
    if (job.remaining === 0) await finishFile(job);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        if (fatal) {
          if (inflight === 0) reject(fatal);
          return;
        }
        if (o.signal?.aborted) {
          if (inflight === 0) reject(new InferchainError("io", `fetch of ${root} interrupted; verified ranges are kept in ${dir}, run again to resume`));
          return;
        }
        while (inflight < concurrency && queue.length > 0) {
          const idx = queue.findIndex((u) => pickPeer(u) !== undefined);
          if (idx < 0) break;
          const u = queue.splice(idx, 1)[0]!;
          const p = pickPeer(u)!;
          p.inflight++;
          inflight++;
          void runUnit(u, p)
            .catch((e: unknown) => {
              if (!o.signal?.aborted) fatal ??= e as Error;
            })
            .finally(() => {
              p.inflight--;
              inflight--;
              pump();
            });
        }
        if (queue.length === 0 && inflight === 0) resolve();
      };
      o.signal?.addEventListener("abort", () => pump(), { once: true });
      pump();
    });
  } finally {
    // Record every range written so far (also when interrupted: saves are throttled while running).
    await saveState().catch(() => undefined);
    for (const j of jobs) if (j.fd) await (await j.fd).close().catch(() => undefined);
  }
  for (const job of jobs) if (job.remaining === 0 && (await exists(`${localPath(dir, job.file.path)}.partial`))) await finishFile(job);

  // The whole artifact's content root, recomputed: from the hashes of the exact bytes written in this run, and
  // from the disk for everything an earlier run wrote (so a partial file edited between runs is caught).
  emit({ type: "verifying" });
  const computed = await Promise.all(jobs.map((job) => recomputeFileRoot(dir, job, rangeLeaves)));
  const got = contentRootFromFiles(files.map((f, i) => ({ path: f.path, size: f.size, root: computed[i]! })));
  if (got !== root) {
    await rm(statePath, { force: true });
    const bad = files.filter((f, i) => computed[i] !== f.root).map((f) => f.path);
    throw new InferchainError("invalid_state", `the files in ${dir} hash to ${got}, not the chain's ${root} (${bad.join(", ")} changed on disk during the pull). Delete them and pull again.`);
  }
  await rm(join(dir, STATE_DIR), { recursive: true, force: true });
  return { contentRoot: root, dir, files: files.length, bytesTotal, bytesFetched: bytesDone - bytesResumed, bytesResumed, seconds: (Date.now() - started) / 1000, peers: allSummaries() };
}

/** A file's root from this run's verified leaf hashes, re-reading from disk only the ranges an earlier run wrote. */
async function recomputeFileRoot(dir: string, job: FileJob, rangeLeaves: number): Promise<string> {
  if (job.hashedAtStart) return job.file.root;
  const hashes = job.leafHashes ?? Buffer.alloc(job.leafCount * 32);
  const missing: number[] = [];
  for (let r = 0; r < job.ranges; r++) if (!job.fetched || !isSet(job.fetched, r)) missing.push(r);
  // Every range came in this run and proved out to the chain's file root with its range proof: those leaf
  // hashes are the file's, so rebuilding the tree from them could only give the same root again.
  if (missing.length === 0) return job.file.root;
  const fd = await open(localPath(dir, job.file.path), "r");
  try {
    const buf = Buffer.allocUnsafe(rangeLeaves * LEAF_SIZE);
    for (const r of missing) {
      const first = r * rangeLeaves;
      const count = Math.min(rangeLeaves, job.leafCount - first);
      const want = rangeBytes(job.size, first, count);
      const { bytesRead } = await fd.read(buf, 0, want, first * LEAF_SIZE);
      if (bytesRead !== want) return "short file";
      leafHashesInto(buf.subarray(0, want), hashes, first * 32);
    }
  } finally {
    await fd.close();
  }
  return new MerkleLevels(hashes).root().toString("hex");
}

async function loadState(path: string, root: string): Promise<FetchState | undefined> {
  try {
    const s = JSON.parse(await readFile(path, "utf8")) as FetchState;
    if (s.version !== STATE_VERSION || s.contentRoot !== root || !Number.isInteger(s.rangeLeaves) || s.rangeLeaves < 1 || s.rangeLeaves > MAX_RANGE_LEAVES || typeof s.done !== "object") return undefined;
    return s;
  } catch {
    return undefined;
  }
}

/** Why a peer's manifest does not describe the chain's artifact (undefined when it does). */
function manifestMismatch(m: ArtifactManifest, root: string, files: readonly ArtifactFileDigest[]): string | undefined {
  if (m.contentRoot !== root) return `manifest is for ${m.contentRoot}, not ${root}`;
  if (m.files.length !== files.length) return `manifest lists ${m.files.length} files, the chain ${files.length}`;
  const byPath = new Map(m.files.map((f) => [f.path, f]));
  for (const f of files) {
    const g = byPath.get(f.path);
    if (!g || g.root !== f.root || BigInt(g.size) !== f.size) return `manifest entry for ${f.path} differs from the chain's`;
  }
  return undefined;
}
