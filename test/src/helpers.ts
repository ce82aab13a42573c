import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { devAccount, REPO_ROOT, startSidecar, stopSidecar, waitForSidecar, type LocalnetInfo, type SidecarInfo } from "@inferchain/localnet";
import { digestArtifact, SigningInferchainClient, type ArtifactDigest } from "@inferchain/sdk";

const run = promisify(execFile);

/** A signing client for one of the localnet's funded dev accounts. */
export async function clientFor(localnet: LocalnetInfo, account: string): Promise<SigningInferchainClient> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(devAccount(account).mnemonic, { prefix: "infer" });
  const rpc = localnet.nodes[0]?.endpoints.rpc;
  if (rpc === undefined) throw new Error("localnet has no node");
  return SigningInferchainClient.connectWithSigner(rpc, wallet, { chainId: localnet.chainId });
}

/** Writes an artifact of random files into a fresh temp dir and digests it. */
export async function makeArtifact(files: Record<string, number>): Promise<{ dir: string; digest: ArtifactDigest }> {
  const dir = mkdtempSync(join(tmpdir(), "inferchain-artifact-"));
  for (const [path, size] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, randomBytes(size));
  }
  return { dir, digest: await digestArtifact(dir) };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `inferchain` CLI (sdk/dist/cli/main.js). */
export async function inferchainCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, "sdk", "dist", "cli", "main.js"), ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** A fresh 64-hex digest that names nothing on chain. */
export const unknownRoot = (): string => randomBytes(32).toString("hex");

/**
 * Extra shift for every e2e port (INFERCHAIN_E2E_PORT_SHIFT, default 0), so two checkouts on one machine can run
 * their e2e suites at once without colliding.
 */
export const E2E_PORT_SHIFT = Number(process.env.INFERCHAIN_E2E_PORT_SHIFT ?? "0");

/** Port offset for e2e runs: RPC 36657, gRPC 19090, REST 11317, sidecars 36680+; never a developer's localnet. */
export const E2E_PORT_OFFSET = 10_000 + E2E_PORT_SHIFT;

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The sidecar's view of a job (GET /v1/jobs/:id), or undefined when it has none. */
export async function sidecarJob(api: string, id: bigint): Promise<{ state: string; output?: { commitment?: string; tokenIds?: number[] } } | undefined> {
  const res = await fetch(`${api}/v1/jobs/${id}`);
  if (res.status === 404) return undefined;
  return (await res.json()) as { state: string; output?: { commitment?: string; tokenIds?: number[] } };
}

/** Restarts validator i's sidecar with the localnet's models (and optional extra config) and waits until it is ready. */
export async function restartSidecar(
  localnet: LocalnetInfo,
  index: number,
  opts: { wait?: boolean; portOffset?: number; extraConfig?: Record<string, unknown> } = {},
): Promise<SidecarInfo> {
  await stopSidecar(localnet.home, index);
  const s = startSidecar({
    home: localnet.home,
    index,
    rpc: localnet.nodes[index]?.endpoints.rpc ?? localnet.nodes[0]!.endpoints.rpc,
    chainId: localnet.chainId,
    portOffset: opts.portOffset ?? E2E_PORT_OFFSET,
    models: localnet.models,
    threads: 1,
    ...(opts.extraConfig ? { extraConfig: opts.extraConfig } : {}),
  });
  if (opts.wait !== false) await waitForSidecar(s, 180_000);
  return s;
}

/** The escrow module account (x/inference): empty whenever no job is open. */
export function moduleAddress(name: string): string {
  return toBech32("infer", createHash("sha256").update(name).digest().subarray(0, 20));
}
