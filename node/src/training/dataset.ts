/**
 * Training examples from a dataset's JSONL bytes, tokenized with the base model's own tokenizer so that the trainer
 * sees exactly the ids the engine will. One JSON object per line:
 *   {"prompt": "...", "completion": "..."}  loss on the completion (and the end-of-sequence token) only; when the model
 *                                           has a chat template the prompt is rendered as the user turn with the
 *                                           generation prompt, exactly as the sidecar renders a job's prompt
 *                                           (jobs/prompt.ts), so the child answers jobs the way it was trained
 *   {"text": "..."}                          loss on every token (plain language modelling / pretraining)
 */
import type { TextTokenizer } from '../tokenizer/tokenizer.js';

export interface TrainingExample {
  ids: number[];
  /** 1 where the token is a training target, 0 for context-only tokens (the prompt). */
  mask: number[];
}

export class DatasetFormatError extends Error {
  override name = 'DatasetFormatError';
}

export function parseTrainingJsonl(text: string, tokenizer: TextTokenizer, where: string): TrainingExample[] {
  const eos = tokenizer.meta.eosTokenId;
  const out: TrainingExample[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const at = `${where}:${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new DatasetFormatError(`${at}: not JSON (${(e as Error).message})`);
    }
    const r = row as Record<string, unknown> | null;
    if (r && typeof r.prompt === 'string' && typeof r.completion === 'string') {
      const p = tokenizer.meta.chatTemplate
        ? tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: r.prompt }], { addGenerationPrompt: true }))
        : tokenizer.encode(r.prompt);
      const c = [...tokenizer.encode(r.completion, { addBos: false }), eos];
      out.push({ ids: [...p, ...c], mask: [...p.map(() => 0), ...c.map(() => 1)] });
    } else if (r && typeof r.text === 'string') {
      const t = [...tokenizer.encode(r.text), eos];
      out.push({ ids: t, mask: t.map(() => 1) });
    } else {
      throw new DatasetFormatError(`${at}: expected {"prompt","completion"} or {"text"} string fields`);
    }
    if (out[out.length - 1]!.ids.length < 2) throw new DatasetFormatError(`${at}: example is shorter than 2 tokens`);
  });
  if (out.length === 0) throw new DatasetFormatError(`${where}: no examples`);
  return out;
}
