import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: localnet/{src,dist}/paths.* is two levels below it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where `make localnet` keeps chain data unless INFERCHAIN_LOCALNET_HOME says otherwise (gitignored). */
export function defaultLocalnetHome(): string {
  return process.env.INFERCHAIN_LOCALNET_HOME ?? join(REPO_ROOT, ".localnet");
}

/** The inferchaind binary built by `make build` (override with INFERCHAIND). */
export function inferchaindPath(): string {
  const bin = process.env.INFERCHAIND ?? join(REPO_ROOT, "build", "inferchaind");
  if (!existsSync(bin)) {
    throw new Error(`inferchaind not found at ${bin}: run 'make build' first (or set INFERCHAIND)`);
  }
  return bin;
}

/** Where `make model` imports the default model (SmolLM2-135M-Instruct); INFERCHAIN_CACHE moves the cache. */
export function defaultModelDir(): string {
  const cache = process.env.INFERCHAIN_CACHE ?? join(homedir(), ".cache", "inferchain");
  return join(cache, "models", "smollm2-135m-instruct");
}

/** Registry name of the default model (the GGUF's own general.name is a training-run label). */
export const DEFAULT_MODEL_NAME = "SmolLM2-135M-Instruct";

/** The tiny seeded-random test model written by `make tiny-model`. */
export const TINY_MODEL_DIR = join(REPO_ROOT, ".data", "models", "tiny");
