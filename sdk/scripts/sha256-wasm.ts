/**
 * Assembles sdk/src/digest/sha256-nodes.wat with wabt into sdk/src/digest/sha256-wasm.ts (the binary as base64, so
 * nothing needs an assembler at run time). `--check`: exit 1 if the committed file is not what the source gives.
 * Run: npm run -w sdk build:sha256-wasm [-- --check]
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import wabt from "wabt";

const DIGEST = join(fileURLToPath(new URL(".", import.meta.url)), "..", "src", "digest");
export const WAT_FILE = join(DIGEST, "sha256-nodes.wat");
export const WASM_TS_FILE = join(DIGEST, "sha256-wasm.ts");

/** The module bytes of sha256-nodes.wat (no names section: the bytes depend on the code only). */
export async function assembleSha256Nodes(): Promise<Uint8Array> {
  const w = await wabt();
  const mod = w.parseWat("sha256-nodes.wat", await readFile(WAT_FILE, "utf8"), { bulk_memory: true });
  try {
    mod.validate();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}

export function renderWasmTs(bytes: Uint8Array): string {
  return `// Generated from sha256-nodes.wat by sdk/scripts/sha256-wasm.ts: do not edit (sha256-nodes.test.ts checks it is current).
export const SHA256_NODES_WASM_BASE64 =
  "${Buffer.from(bytes).toString("base64")}";
`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const want = renderWasmTs(await assembleSha256Nodes());
  if (process.argv.includes("--check")) {
    const have = await readFile(WASM_TS_FILE, "utf8").catch(() => "");
    if (have !== want) {
      console.error(`${WASM_TS_FILE} is stale: run 'npm run -w sdk build:sha256-wasm' and commit it`);
      process.exit(1);
    }
    console.log("sha256-wasm.ts is current");
  } else {
    await writeFile(WASM_TS_FILE, want);
    console.log(`wrote ${WASM_TS_FILE}`);
  }
}
