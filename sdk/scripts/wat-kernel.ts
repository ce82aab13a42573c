/**
 * Shared by the wasm kernel scripts (sdk/scripts/sha256-wasm.ts, node/scripts/philox-wasm.ts): assemble a .wat
 * with wabt into a .ts that holds the binary as base64 (nothing needs an assembler at run time), and the CLI that
 * writes it or, with `--check`, exits 1 when the committed file is not what the source gives.
 */
import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import wabt from "wabt";

export interface WatKernel {
  watFile: string;
  tsFile: string;
  /** The exported constant holding the base64 bytes. */
  constName: string;
  /** The first line of the generated file (where it comes from, what checks it). */
  header: string;
  /** The command that rewrites tsFile, for the stale message. */
  rebuild: string;
  /** Quote style of the package the .ts lives in. */
  quote: "'" | '"';
  features?: Record<string, boolean>;
}

/** The module bytes of the kernel (no names section: the bytes depend on the code only). */
export async function assembleKernel(k: WatKernel): Promise<Uint8Array> {
  const w = await wabt();
  const mod = w.parseWat(basename(k.watFile), await readFile(k.watFile, "utf8"), k.features);
  try {
    mod.validate();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}

export function renderKernelTs(k: WatKernel, bytes: Uint8Array): string {
  return `${k.header}\nexport const ${k.constName} =\n  ${k.quote}${Buffer.from(bytes).toString("base64")}${k.quote};\n`;
}

/** Writes the kernel's .ts, or with `--check` compares it with the committed one. */
export async function kernelCli(k: WatKernel, argv: readonly string[]): Promise<void> {
  const want = renderKernelTs(k, await assembleKernel(k));
  if (argv.includes("--check")) {
    const have = await readFile(k.tsFile, "utf8").catch(() => "");
    if (have !== want) {
      console.error(`${k.tsFile} is stale: run '${k.rebuild}' and commit it`);
      process.exit(1);
    }
    console.log(`${basename(k.tsFile)} is current`);
  } else {
    await writeFile(k.tsFile, want);
    console.log(`wrote ${k.tsFile}`);
  }
}
