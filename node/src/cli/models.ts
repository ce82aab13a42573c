/** `inferchain-node models verify <dir> --model <root>`: recompute a model directory's content root and compare. */
import type { Command } from 'commander';
import { ChainClient } from '../chain/client.js';
import { verifyModelDir } from '../store/verify.js';
import { registerPull } from './models-pull.js';

export function register(program: Command): void {
  const models = program.command('models').description('model store utilities');
  registerPull(models);
  models
    .command('verify')
    .argument('<dir>', 'model directory')
    .requiredOption('--model <contentRoot>', 'expected content root (64 hex)')
    .option('--node <rpc>', 'also compare file by file with the registry record on this chain (e.g. http://127.0.0.1:26657)')
    .option('--json', 'machine-readable output', false)
    .description('recompute the content root from the bytes on disk and compare (exit code 1 on mismatch)')
    .action(async (dir: string, o: { model: string; node?: string; json?: boolean }) => {
      const root = o.model.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(root)) throw new Error(`--model: "${o.model}" is not a 64-hex content root`);
      const chain = o.node ? await ChainClient.connect(o.node) : undefined;
      try {
        const v = await verifyModelDir({ contentRoot: root, dir }, chain ? { registry: chain } : {});
        if (o.json) process.stdout.write(`${JSON.stringify(v)}\n`);
        else if (v.ok) process.stdout.write(`OK ${dir}: content root ${v.localRoot}${chain ? ` matches the registry (${v.registry?.name}@${v.registry?.version}, ${v.registry?.status})` : ''}\n`);
        else process.stdout.write(`MISMATCH ${dir} (computed ${v.localRoot ?? 'n/a'}, expected ${root}):\n${v.problems.map((p) => `  - ${p}`).join('\n')}\n`);
        if (!v.ok) process.exitCode = 1;
      } finally {
        chain?.disconnect();
      }
    });
}
