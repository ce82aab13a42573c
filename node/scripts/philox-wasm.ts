/**
 * Assembles node/src/engine/philox.wat with wabt into node/src/engine/philox-wasm.ts (the binary as base64, so the
 * sidecar needs no assembler at run time). `--check`: exit 1 if the committed file is not what the source gives.
 * Run: npm run -w node build:philox-wasm [-- --check]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

const ENGINE = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'engine');
export const WAT_FILE = join(ENGINE, 'philox.wat');
export const WASM_TS_FILE = join(ENGINE, 'philox-wasm.ts');

/** The module bytes of philox.wat (no names section: the bytes depend on the code only). */
export async function assemblePhilox(): Promise<Uint8Array> {
  const w = await wabt();
  const mod = w.parseWat('philox.wat', await readFile(WAT_FILE, 'utf8'));
  try {
    mod.validate();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}

export function renderWasmTs(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  return `// Generated from philox.wat by node/scripts/philox-wasm.ts: do not edit (philox.test.ts checks it is current).
export const PHILOX_WASM_BASE64 =
  '${b64}';
`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const want = renderWasmTs(await assemblePhilox());
  if (process.argv.includes('--check')) {
    const have = await readFile(WASM_TS_FILE, 'utf8').catch(() => '');
    if (have !== want) {
      console.error(`${WASM_TS_FILE} is stale: run 'npm run -w node build:philox-wasm' and commit it`);
      process.exit(1);
    }
    console.log('philox-wasm.ts is current');
  } else {
    await writeFile(WASM_TS_FILE, want);
    console.log(`wrote ${WASM_TS_FILE}`);
  }
}
