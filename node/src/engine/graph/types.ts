/** Architecture hyper-parameters of a llama-family decoder, as stored in config.json. */
export interface LlamaArch {
  architecture: 'llama';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  ropeTheta: number;
  rmsNormEps: number;
  /** Context length the model was trained for. */
  contextLength: number;
}

/**
 * A linear layer's weight, always in PyTorch/GGUF orientation: `out` rows of `in` values.
 * The 4-bit and 8-bit kinds keep 32-value blocks along `in` (GGUF's block size), re-packed for ORT's MatMulNBits.
 */
export type LinearWeight =
  | { kind: 'f32'; out: number; in: number; data: Float32Array }
  /**
   * 4-bit blocks of 32: value = scale * (q - zeroPoint) + (mins ? min : 0).
   * `packed` is [out][in/32][16] with element 2i in the low nibble of byte i (MatMulNBits order).
   */
  | { kind: 'q4'; out: number; in: number; packed: Uint8Array; scales: Float32Array; zeroPoint: 0 | 8; mins?: Float32Array }
  /**
   * 8-bit blocks of 32, symmetric: value = scale * (u - 128), u = q + 128 for GGML's signed Q8_0 q.
   * `packed` is [out][in/32][32], one unsigned byte per element (MatMulNBits bits=8 order).
   */
  | { kind: 'q8'; out: number; in: number; packed: Uint8Array; scales: Float32Array };

export interface LlamaLayerWeights {
  attnNorm: Float32Array;
  q: LinearWeight;
  k: LinearWeight;
  v: LinearWeight;
  o: LinearWeight;
  ffnNorm: Float32Array;
  gate: LinearWeight;
  up: LinearWeight;
  down: LinearWeight;
}

export interface LlamaWeights {
  /** [vocab][hidden] */
  embedding: Float32Array;
  layers: LlamaLayerWeights[];
  finalNorm: Float32Array;
  /** 'tied': logits use the embedding table (SmolLM2 and other tied-embedding models). */
  lmHead: LinearWeight | 'tied';
}

/** Names of the graph's inputs and outputs: the contract between builder and runtime. */
export const IO = {
  inputIds: 'input_ids',
  positionIds: 'position_ids',
  /** int64 [1]: logits are computed for the last k positions only (prefill needs 1, scoring n). */
  logitsToKeep: 'logits_to_keep',
  /** int64 [batch, n_kv, head_dim, seq, 4]: ScatterND indices of the new keys in the transposed key cache. */
  kvWriteKey: 'kv_write_index.key',
  /** int64 [batch, n_kv, seq, 3]: ScatterND indices of the new values in the value cache. */
  kvWriteValue: 'kv_write_index.value',
  logits: 'logits',
  pastKey: (i: number) => `past_key_values.${i}.key`,
  pastValue: (i: number) => `past_key_values.${i}.value`,
  /** float32 [batch, n_kv, head_dim, seq]: the new tokens' keys (transposed), to be written at position_ids. */
  newKey: (i: number) => `new_key.${i}`,
  /** float32 [batch, n_kv, seq, head_dim]: the new tokens' values. */
  newValue: (i: number) => `new_value.${i}`,
} as const;
