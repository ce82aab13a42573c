import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { devAccount, REPO_ROOT, type LocalnetInfo } from "@inferchain/localnet";
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
