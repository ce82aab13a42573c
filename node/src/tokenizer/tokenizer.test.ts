import { describe, expect, it } from 'vitest';
import { tinyModelParts, TINY_CHAT_TEMPLATE } from '../models/tiny.js';
import { buildTokenizerJson, UnsupportedTokenizerError } from './hf-json.js';
import { TextTokenizer } from './tokenizer.js';

const SAMPLES = [
  'The quick brown fox jumps over the lazy dog.',
  '  leading spaces, trailing spaces  ',
  'Numbers: 3.14159 and 2024-06-01; emoji 🚀 and accents: café, naïve, Ελληνικά, 日本語',
  'line one\nline two\n\n\ttabbed',
  '',
];

describe('TextTokenizer (tiny byte-level BPE)', () => {
  const { tokenizerJson, config } = tinyModelParts();
  const tok = new TextTokenizer(tokenizerJson, config.tokenizer);

  it('round-trips arbitrary text exactly', () => {
    for (const s of SAMPLES) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('uses merges, splits digits individually and maps special tokens', () => {
    const ids = tok.encode('The capital');
    expect(ids.length).toBeLessThan('The capital'.length);
    expect(tok.encode('2024').length).toBe(4);
    expect(tok.encode('<|im_start|>')).toEqual([1]);
    expect(tok.decode([1, ...tok.encode('hi'), 2], { skipSpecial: true })).toBe('hi');
  });

  it('applies the chat template', () => {
    const s = tok.applyChatTemplate([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
    ]);
    expect(s).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n');
    expect(TINY_CHAT_TEMPLATE).toContain('add_generation_prompt');
  });

  it('refuses an unknown pre-tokenizer with a clear error', () => {
    expect(() => buildTokenizerJson({ tokens: ['a'], merges: [], pre: 'qwen2' })).toThrow(UnsupportedTokenizerError);
  });
});
