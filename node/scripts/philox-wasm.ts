/**
 * Assembles node/src/engine/philox.wat with wabt into node/src/engine/philox-wasm.ts (the binary as base64, so the
 * sidecar needs no assembler at run time). `--check`: exit 1 if the committed file is not what the source gives.
 * Run: npm run -w node build:philox-wasm [-- --check]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleKernel, kernelCli, renderKernelTs, type WatKernel } from '../../sdk/scripts/wat-kernel.js';

const ENGINE = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'engine');
export const WAT_FILE = join(ENGINE, 'philox.wat');
export const WASM_TS_FILE = join(ENGINE, 'philox-wasm.ts');

const KERNEL: WatKernel = {
  watFile: WAT_FILE,
  tsFile: WASM_TS_FILE,
  constName: 'PHILOX_WASM_BASE64',
  header: '// Generated from philox.wat by node/scripts/philox-wasm.ts: do not edit (philox.test.ts checks it is current).',
  rebuild: 'npm run -w node build:philox-wasm',
  quote: "'",
};

export const assemblePhilox = (): Promise<Uint8Array> => assembleKernel(KERNEL);
export const renderWasmTs = (bytes: Uint8Array): string => renderKernelTs(KERNEL, bytes);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await kernelCli(KERNEL, process.argv);
