import type { Command } from 'commander';
import { generate } from '../engine/generate.js';
import { loadModel } from '../engine/model.js';
import type { ExecutionProvider } from '../engine/session.js';

export function register(program: Command): void {
  program
    .command('generate')
    .description('generate text with an imported model (streams tokens to stdout)')
    .requiredOption('--model <dir>', 'model directory (from import-model)')
    .argument('<prompt>', 'user message (chat template applied) or raw prompt with --raw')
    .option('--raw', 'use the prompt as raw text instead of a chat message', false)
    .option('--max-tokens <n>', 'maximum output tokens', '128')
    .option('--temperature <t>', '0 = greedy', '0')
    .option('--top-k <k>', 'sampling candidates (0 = all)', '0')
    .option('--seed <uint64>', 'sampling seed', '0')
    .option('--threads <n>', 'intra-op threads (0 = all cores)', '0')
    .option('--ep <list>', 'execution providers in order, e.g. cuda,webgpu,cpu', 'cpu')
    .option('--json', 'print the full result as JSON instead of streaming text', false)
    .action(async (prompt: string, o: Record<string, string | boolean>) => {
      const model = await loadModel(String(o.model), {
        threads: Number(o.threads),
        executionProviders: String(o.ep).split(',') as ExecutionProvider[],
      });
      const input = o.raw ? { prompt } : { messages: [{ role: 'user', content: prompt }] };
      const r = await generate(model, {
        ...input,
        maxTokens: Number(o.maxTokens),
        temperature: Number(o.temperature),
        topK: Number(o.topK),
        seed: String(o.seed),
        onToken: o.json ? undefined : (ev) => process.stdout.write(ev.text),
      });
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const t = r.timings;
        process.stdout.write('\n');
        process.stderr.write(
          `[${r.finishReason}] prompt ${t.promptTokens} tok in ${t.prefillMs.toFixed(0)} ms, ` +
            `output ${t.outputTokens} tok in ${t.decodeMs.toFixed(0)} ms (${model.provider})\n`,
        );
      }
      await model.release();
    });
}
