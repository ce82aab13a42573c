import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestArtifact } from '@inferchain/sdk';
import { parseConfig } from '../config/config.js';
import { DatasetStore, parseDatasets } from './datasets.js';

let dir: string;
let root: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-datasets-'));
  await writeFile(join(dir, 'train.jsonl'), '{"q":"1+1","a":"2"}\n'.repeat(500));
  root = (await digestArtifact(dir)).contentRoot;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('datasets', () => {
  it('parses config datasets and refuses malformed entries', () => {
    const problems: string[] = [];
    expect(parseDatasets([{ contentRoot: 'AB'.repeat(32), dir: 'd' }], problems, (p) => `/base/${p}`)).toEqual([{ contentRoot: 'ab'.repeat(32), dir: '/base/d' }]);
    parseDatasets([{ contentRoot: 'xyz', dir: 'd' }, { dir: 'd' }, { contentRoot: 'ab'.repeat(32), dir: 'a' }, { contentRoot: 'ab'.repeat(32), dir: 'b' }], problems, (p) => p);
    expect(problems).toEqual([expect.stringMatching(/datasets\[0\].contentRoot/), expect.stringMatching(/datasets\[1\]: must be an object/), expect.stringMatching(/datasets\[3\].contentRoot: listed twice/)]);
    const base = { sidecar: { keyName: 'k' }, validator: 'infervaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqzz3m9e', models: [{ contentRoot: 'a'.repeat(64), dir: '/m' }] };
    expect(parseConfig(base, { baseDir: '/cfg' }).datasets).toEqual([]);
    expect(parseConfig({ ...base, datasets: [{ contentRoot: 'c'.repeat(64), dir: 'ds' }] }, { baseDir: '/cfg' }).datasets).toEqual([{ contentRoot: 'c'.repeat(64), dir: '/cfg/ds' }]);
  });

  it('shares a dataset only when its bytes hash to the configured root', async () => {
    const s = new DatasetStore([{ contentRoot: root, dir }, { contentRoot: 'd'.repeat(64), dir }, { contentRoot: 'e'.repeat(64), dir: join(dir, 'missing') }], pino({ level: 'silent' }));
    await s.verifyAll();
    expect(s.held().map((h) => [h.contentRoot, h.kind, h.files.map((f) => f.path)])).toEqual([[root, 'dataset', ['train.jsonl']]]);
  });
});
