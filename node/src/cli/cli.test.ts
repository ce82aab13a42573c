import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from './program.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'gguf', 'fixtures');

describe('inferchain-node CLI', () => {
  let work: string | undefined;
  afterAll(async () => work && rm(work, { recursive: true, force: true }));

  it('offers every command of the sidecar and the engine', () => {
    const names = buildProgram().commands.map((c) => c.name());
    expect(names.sort()).toEqual(['generate', 'import-model', 'keys', 'make-tiny-model', 'models', 'register-executor', 'start'].sort());
  });

  it('import-model writes a loadable model dir and generate streams text from it', async () => {
    work = await mkdtemp(join(tmpdir(), 'inferchain-cli-'));
    const out = join(work, 'm');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await buildProgram().parseAsync(['node', 'inferchain-node', 'import-model', join(FIX, 'tiny-llama.gguf'), '--out', out]);
      expect((await readdir(out)).sort()).toEqual(['config.json', 'model.onnx', 'tokenizer.json']);
      await buildProgram().parseAsync(['node', 'inferchain-node', 'generate', '--model', out, '--threads', '1', '--max-tokens', '4', '--json', 'hi']);
      const json = write.mock.calls.map((c) => String(c[0])).find((s) => s.startsWith('{'));
      const r = JSON.parse(json!) as { tokenIds: number[]; finishReason: string };
      expect(r.tokenIds.length).toBeGreaterThan(0);
    } finally {
      write.mockRestore();
      err.mockRestore();
    }
  });

  it('import-model --weights q8 writes a q8 model dir that generates; an unknown mode is refused', async () => {
    const out = join(work, 'q8');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await buildProgram().parseAsync(['node', 'inferchain-node', 'import-model', join(FIX, 'tiny-llama.gguf'), '--out', out, '--weights', 'q8']);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/q8 weights ->/);
      expect((JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as { weights?: string }).weights).toBe('q8');
      await buildProgram().parseAsync(['node', 'inferchain-node', 'generate', '--model', out, '--threads', '1', '--max-tokens', '4', '--json', 'hi']);
      const json = write.mock.calls.map((c) => String(c[0])).find((s) => s.startsWith('{'));
      expect((JSON.parse(json!) as { tokenIds: number[] }).tokenIds.length).toBeGreaterThan(0);
      await expect(buildProgram().parseAsync(['node', 'inferchain-node', 'import-model', join(FIX, 'tiny-llama.gguf'), '--out', join(work, 'q2'), '--weights', 'q2'])).rejects.toThrow(/weights mode must be one of f32, q4, q8/);
    } finally {
      write.mockRestore();
      err.mockRestore();
    }
  });

  it('reports a bad file as a typed error', async () => {
    await expect(buildProgram().parseAsync(['node', 'inferchain-node', 'import-model', join(FIX, 'quant.expected.json'), '--out', join(tmpdir(), 'never')])).rejects.toThrow(/not a GGUF file/);
  });
});
