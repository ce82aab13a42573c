/**
 * Builds a Hugging Face `tokenizer.json` (BPE, byte-level) from a GGUF-style vocabulary:
 * tokens in id order, their GGUF token types and the merge list.
 */

/** GGUF `tokenizer.ggml.token_type` values. */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface BpeVocabSpec {
  tokens: readonly string[];
  tokenTypes?: readonly number[];
  merges: readonly string[];
  /** GGUF `tokenizer.ggml.pre`: selects the pre-tokenizer regex family. */
  pre?: string;
}

export class UnsupportedTokenizerError extends Error {
  override name = 'UnsupportedTokenizerError';
}

/** Pre-tokenizers llama.cpp knows by name; the ones listed here are those we can express in HF JSON. */
function preTokenizer(pre: string | undefined): Record<string, unknown> {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  switch (pre ?? 'default') {
    case 'default':
    case 'gpt2':
    case 'gpt-2':
      return byteLevel;
    case 'smollm':
    case 'starcoder':
    case 'refact':
      // SmolLM2 / StarCoder: split digits individually, then GPT-2 byte-level regex.
      return { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel] };
    default:
      throw new UnsupportedTokenizerError(
        `tokenizer pre-tokenizer '${pre}' is not supported yet (supported: default, gpt2, smollm, starcoder)`,
      );
  }
}

export function buildTokenizerJson(spec: BpeVocabSpec): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  const added: Record<string, unknown>[] = [];
  spec.tokens.forEach((tok, id) => {
    if (!(tok in vocab)) vocab[tok] = id;
    const t = spec.tokenTypes?.[id] ?? TokenType.NORMAL;
    if (t === TokenType.CONTROL || t === TokenType.USER_DEFINED) {
      added.push({
        id,
        content: tok,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: t === TokenType.CONTROL,
      });
    }
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: preTokenizer(spec.pre),
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [...spec.merges],
    },
  };
}
