/**
 * Assembles sdk/src/digest/sha256-nodes.wat with wabt into sdk/src/digest/sha256-wasm.ts (the binary as base64, so
 * nothing needs an assembler at run time). `--check`: exit 1 if the committed file is not what the source gives.
 * Run: npm run -w sdk build:sha256-wasm [-- --check]
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assembleKernel, kernelCli, renderKernelTs, type WatKernel } from "./wat-kernel.js";

const DIGEST = join(fileURLToPath(new URL(".", import.meta.url)), "..", "src", "digest");
export const WAT_FILE = join(DIGEST, "sha256-nodes.wat");
export const WASM_TS_FILE = join(DIGEST, "sha256-wasm.ts");

const KERNEL: WatKernel = {
  watFile: WAT_FILE,
  tsFile: WASM_TS_FILE,
  constName: "SHA256_NODES_WASM_BASE64",
  header: "// Generated from sha256-nodes.wat by sdk/scripts/sha256-wasm.ts: do not edit (sha256-nodes.test.ts checks it is current).",
  rebuild: "npm run -w sdk build:sha256-wasm",
  quote: '"',
  features: { bulk_memory: true },
};

export const assembleSha256Nodes = (): Promise<Uint8Array> => assembleKernel(KERNEL);
export const renderWasmTs = (bytes: Uint8Array): string => renderKernelTs(KERNEL, bytes);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await kernelCli(KERNEL, process.argv);
