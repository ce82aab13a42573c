import type { Command } from 'commander';
import { importGguf, type WeightMode } from '../models/gguf/import.js';

export function register(program: Command): void {
  program
    .command('import-model')
    .description('convert a llama-family GGUF (F32, F16, Q8_0, Q4_0, Q4_1) into an ONNX model directory')
    .argument('<file.gguf>', 'GGUF file')
    .requiredOption('--out <dir>', 'output model directory')
    .option('--weights <mode>', "'f32' (exact, default), 'q4' (keep GGUF's 4-bit blocks) or 'q8' (8-bit blocks: Q8_0 as stored, others re-quantized)", 'f32')
    .option('--force', 'replace an existing output directory', false)
    .action(async (file: string, o: { out: string; weights: string; force: boolean }) => {
      const r = await importGguf(file, o.out, {
        force: o.force,
        weights: o.weights as WeightMode,
        onProgress: (m) => process.stderr.write(`${m}\n`),
      });
      const a = r.config.arch;
      process.stdout.write(
        `imported ${r.config.name}: ${a.numLayers} layers, hidden ${a.hiddenSize}, vocab ${a.vocabSize}, context ${a.contextLength}, ${r.config.weights ?? 'f32'} weights -> ${r.outDir}\n`,
      );
    });
}
