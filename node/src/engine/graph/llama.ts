/**
 * Builds a llama-family decoder as an ONNX graph: RMSNorm, RoPE (GGUF's adjacent-pair layout),
 * grouped-query attention over a KV cache that the caller owns (the graph reads it and returns the new rows), SwiGLU MLP.
 *
 * Inputs:  input_ids [batch, seq] int64, position_ids [batch, seq] int64,
 *          logits_to_keep [1] int64 (k: logits for the last k positions; k = seq gives every position),
 *          past_key_values.{i}.key [batch, n_kv, head_dim, capacity] float32 (keys stored transposed),
 *          past_key_values.{i}.value [batch, n_kv, capacity, head_dim] float32,
 *          kv_write_index.key [batch, n_kv, head_dim, seq, 4] / kv_write_index.value [batch, n_kv, seq, 3] int64:
 *          where the new tokens' keys/values go (row b's token s at position_ids[b, s]).
 * Outputs: logits [batch, k, vocab] float32 (all k rows, for teacher-forced scoring),
 *          new_key.{i} [batch, n_kv, head_dim, seq] / new_value.{i} [batch, n_kv, seq, head_dim]: the new tokens'
 *          keys (transposed) and values, which the caller writes into its cache at position_ids (model.ts).
 *
 * The cache is an input only: the graph copies the span of positions attention needs, [0, 1 + max(position_ids)),
 * scatters the new rows into that copy and attends over it. Nothing is proportional to the cache's capacity, and
 * no output is: onnxruntime-node copies every output into a new JS buffer after a run, so the 0.4 graph's in-place
 * `present` outputs (the whole cache, every layer) cost a copy of the whole arena per step. Attention over the
 * span with a mask from position_ids (key j is visible to the token at position p iff j <= p) lets each batch row
 * see exactly its own prefix: masked keys get probability 0.
 * Keys are stored transposed so the score MatMul reads them as they lie (no Transpose copy per step).
 *
 * f32 and 4-bit graphs: standard opset-17 ops plus com.microsoft MatMulNBits for 4-bit weights (the training stack
 * differentiates them). 8-bit graphs: MatMulNBits plus the fused RotaryEmbedding and SkipSimplifiedLayerNormalization
 * (engine README).
 */
import { DType, MS_DOMAIN, OnnxGraph } from '../onnx/graph.js';
import { IO, type LinearWeight, type LlamaArch, type LlamaWeights } from './types.js';

export interface BuildOptions {
  producerVersion: string;
  /** Extra metadata_props in the ONNX file. */
  meta?: Record<string, string>;
}

export function buildLlamaOnnx(arch: LlamaArch, w: LlamaWeights, opts: BuildOptions): Buffer {
  validate(arch, w);
  const g = new OnnxGraph('inferchain_llama');
  // 8-bit graphs use ORT's fused contrib ops (RotaryEmbedding, SkipSimplifiedLayerNormalization, stacked
  // projections): ~600 fewer kernel launches per decode step. They are never trained (the trainer refuses 8-bit
  // bases). f32 and 4-bit graphs keep standard ops only: the training stack differentiates them (a 4-bit base is
  // dequantised into its training graph), and ORT training has no gradient for the contrib ops.
  const fused = w.layers.some((L) => [L.q, L.k, L.v, L.o, L.gate, L.up, L.down].some((lw) => lw.kind === 'q8'));
  const { hiddenSize: H, numHeads: nh, numKvHeads: nkv, headDim: hd, vocabSize: V } = arch;
  const rep = nh / nkv;

  const ids = g.input(IO.inputIds, DType.INT64, ['batch', 'seq']);
  const pos = g.input(IO.positionIds, DType.INT64, ['batch', 'seq']);
  const keep = g.input(IO.logitsToKeep, DType.INT64, [1]);
  const writeK = g.input(IO.kvWriteKey, DType.INT64, ['batch', nkv, hd, 'seq', 4]);
  const writeV = g.input(IO.kvWriteValue, DType.INT64, ['batch', nkv, 'seq', 3]);
  const past: [string, string][] = [];
  for (let i = 0; i < arch.numLayers; i++) {
    past.push([
      g.input(IO.pastKey(i), DType.FLOAT, ['batch', nkv, hd, 'capacity']),
      g.input(IO.pastValue(i), DType.FLOAT, ['batch', nkv, 'capacity', hd]),
    ]);
  }

  // Embedding lookup.
  const emb = g.f32('model.embed_tokens.weight', [V, H], w.embedding);
  let x = g.op('Gather', [emb, ids], { axis: 0 });

  // RoPE tables from explicit positions: [batch, seq, 1, hd/2, 1] to broadcast over heads and pairs.
  const invFreq = new Float32Array(hd / 2);
  for (let i = 0; i < hd / 2; i++) invFreq[i] = Math.pow(arch.ropeTheta, (-2 * i) / hd);
  const invFreqT = g.f32('rope.inv_freq', [hd / 2], invFreq);
  const ropeTables = (positions: string): [string, string] => {
    const angles = g.op('Mul', [g.op('Unsqueeze', [g.op('Cast', [positions], { to: DType.FLOAT }), g.i64([-1])]), invFreqT]);
    return [g.op('Cos', [angles]), g.op('Sin', [angles])];
  };

  // Attention reads positions [0, span), span = 1 + max(position_ids): every key any row can see, however large the
  // cache's capacity (a sidecar's arena keeps the capacity of its longest job). Mask [batch, 1, rep*seq, span]:
  // query row r*seq+s of row b sits at position_ids[b, s] and sees keys <= it.
  const span = g.op('Add', [g.op('ReduceMax', [pos], { keepdims: 0 }), g.i64([1], true)]);
  const spanEnd = g.op('Reshape', [span, g.i64([1])]);
  const kIdx = g.op('Range', [g.i64([0], true), span, g.i64([1], true)]);
  const future = g.op('Greater', [kIdx, g.op('Unsqueeze', [pos, g.i64([-1])])]);
  const maskBS = g.op('Unsqueeze', [g.op('Where', [future, g.f32const([-1e30]), g.f32const([0])]), g.i64([1])]);
  const mask = rep === 1 ? maskBS : g.op('Tile', [maskBS, g.i64([1, 1, rep, 1])]);
  const scale = g.f32const([1 / Math.sqrt(hd)]);

  let rope: (t: string, heads: number) => string;
  if (fused) {
    // ORT's RotaryEmbedding reads cos/sin rows by position id from tables over [0, span), from the same angles.
    const [cosSpan, sinSpan] = ropeTables(kIdx);
    rope = (t, heads) => g.op('Reshape', [g.op('RotaryEmbedding', [t, pos, cosSpan, sinSpan], { interleaved: 1, num_heads: heads, rotary_embedding_dim: hd }, { domain: MS_DOMAIN }), g.i64([0, 0, heads, hd])]);
  } else {
    const [c, s] = ropeTables(pos);
    const cos = g.op('Unsqueeze', [c, g.i64([2, 4])]);
    const sin = g.op('Unsqueeze', [s, g.i64([2, 4])]);
    rope = (t, heads) => {
      const pairs = g.op('Reshape', [t, g.i64([0, 0, heads, hd / 2, 2])]);
      const [a, b] = g.opN('Split', [pairs, g.i64([1, 1])], 2, { axis: -1 });
      const ra = g.op('Sub', [g.op('Mul', [a!, cos]), g.op('Mul', [b!, sin])]);
      const rb = g.op('Add', [g.op('Mul', [a!, sin]), g.op('Mul', [b!, cos])]);
      return g.op('Reshape', [g.op('Concat', [ra, rb], { axis: -1 }), g.i64([0, 0, heads, hd])]);
    };
  }

  // Fused graphs carry the residual stream through SkipSimplifiedLayerNormalization: it returns norm(x + skip) and
  // x + skip, so each residual Add and the norm after it are one op.
  let h = rmsNorm(g, x, g.f32('model.layers.0.input_layernorm.weight', [H], w.layers[0]!.attnNorm), arch.rmsNormEps);
  let pendingSkip: string | undefined; // fused: the MLP output not yet added to x
  for (let i = 0; i < arch.numLayers; i++) {
    const L = w.layers[i]!;
    const p = `model.layers.${i}`;
    if (i > 0) {
      const norm = g.f32(`${p}.input_layernorm.weight`, [H], L.attnNorm);
      if (fused) [h, x] = skipNorm(g, x, pendingSkip!, norm, arch.rmsNormEps);
      else h = rmsNorm(g, x, norm, arch.rmsNormEps);
    }
    let qLin: string, kLin: string, vLin: string;
    const qkv = fused ? concatRows([L.q, L.k, L.v]) : undefined;
    if (qkv) [qLin, kLin, vLin] = g.opN('Split', [linear(g, h, qkv, `${p}.self_attn.qkv_proj`), g.i64([L.q.out, L.k.out, L.v.out])], 3, { axis: -1 }) as [string, string, string];
    else [qLin, kLin, vLin] = [linear(g, h, L.q, `${p}.self_attn.q_proj`), linear(g, h, L.k, `${p}.self_attn.k_proj`), linear(g, h, L.v, `${p}.self_attn.v_proj`)];
    const q = g.op('Transpose', [rope(qLin, nh)], { perm: [0, 2, 1, 3] });
    // The new rows are outputs (the caller writes them into its cache); attention reads the past's span with the
    // new rows scattered into a copy of it, so the caller's cache is only read here.
    const kT = g.op('Transpose', [rope(kLin, nkv)], { perm: [0, 2, 3, 1] }, fused ? { out: IO.newKey(i) } : {});
    const v = g.op('Transpose', [g.op('Reshape', [vLin, g.i64([0, 0, nkv, hd])])], { perm: [0, 2, 1, 3] }, fused ? { out: IO.newValue(i) } : {});
    const newK = fused ? kT : g.op('Identity', [kT], {}, { out: IO.newKey(i) });
    const newV = fused ? v : g.op('Identity', [v], {}, { out: IO.newValue(i) });
    g.output(newK, DType.FLOAT, ['batch', nkv, hd, 'seq']);
    g.output(newV, DType.FLOAT, ['batch', nkv, 'seq', hd]);

    // GQA without copying K/V: fold the `rep` query heads sharing a KV head into the row axis.
    const qg = g.op('Reshape', [q, g.i64([0, nkv, -1, hd])]);
    const kSpan = g.op('ScatterND', [g.op('Slice', [past[i]![0], g.i64([0]), spanEnd, g.i64([3])]), writeK, kT]);
    const vSpan = g.op('ScatterND', [g.op('Slice', [past[i]![1], g.i64([0]), spanEnd, g.i64([2])]), writeV, v]);
    const scores = g.op('Mul', [g.op('MatMul', [qg, kSpan]), scale]);
    const probs = g.op('Softmax', [g.op('Add', [scores, mask])], { axis: -1 });
    const ctx = g.op('Reshape', [g.op('MatMul', [probs, vSpan]), g.i64([0, nh, -1, hd])]);
    const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), g.i64([0, 0, nh * hd])]);
    const attnOut = linear(g, merged, L.o, `${p}.self_attn.o_proj`);

    let h2: string;
    if (fused) [h2, x] = skipNorm(g, x, attnOut, g.f32(`${p}.post_attention_layernorm.weight`, [H], L.ffnNorm), arch.rmsNormEps);
    else {
      x = g.op('Add', [x, attnOut]);
      h2 = rmsNorm(g, x, g.f32(`${p}.post_attention_layernorm.weight`, [H], L.ffnNorm), arch.rmsNormEps);
    }
    let gate: string, up: string;
    const gateUp = fused ? concatRows([L.gate, L.up]) : undefined;
    if (gateUp) [gate, up] = g.opN('Split', [linear(g, h2, gateUp, `${p}.mlp.gate_up_proj`), g.i64([L.gate.out, L.up.out])], 2, { axis: -1 }) as [string, string];
    else [gate, up] = [linear(g, h2, L.gate, `${p}.mlp.gate_proj`), linear(g, h2, L.up, `${p}.mlp.up_proj`)];
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    const mlpOut = linear(g, act, L.down, `${p}.mlp.down_proj`);
    if (fused) pendingSkip = mlpOut;
    else x = g.op('Add', [x, mlpOut]);
  }

  // Only the last k positions reach the head: a long prompt's prefill needs 1 row, not seq x vocab floats.
  const finalNorm = g.f32('model.norm.weight', [H], w.finalNorm);
  const lastRows = (t: string): string => g.op('Slice', [t, g.op('Neg', [keep]), g.i64([2 ** 53 - 1]), g.i64([1])]);
  // Fused: the norm is row-wise, so norming every row and keeping the last k gives the same rows.
  const hf = fused ? lastRows(skipNorm(g, x, pendingSkip!, finalNorm, arch.rmsNormEps)[0]) : rmsNorm(g, lastRows(x), finalNorm, arch.rmsNormEps);
  const logits =
    w.lmHead === 'tied'
      ? tiedHead(g, hf, emb, V, H) // reuse the embedding table: saves vocab x hidden floats on disk
      : linear(g, hf, w.lmHead, 'lm_head', IO.logits);
  g.output(logits, DType.FLOAT, ['batch', 'keep', V]);

  return g.serialize({ producer: 'inferchain', producerVersion: opts.producerVersion, meta: opts.meta });
}

/** logits = x . E^T via Gemm(transB) on the [vocab, hidden] embedding; Gemm is 2-D, hence the reshapes. */
function tiedHead(g: OnnxGraph, x: string, emb: string, V: number, H: number): string {
  const flat = g.op('Reshape', [x, g.i64([-1, H])]);
  const y = g.op('Gemm', [flat, emb], { transB: 1 });
  const shape = g.op('Concat', [g.op('Slice', [g.op('Shape', [x]), g.i64([0]), g.i64([2])]), g.i64([V])], { axis: 0 });
  return g.op('Reshape', [y, shape], {}, { out: IO.logits });
}

/** Pattern ORT's optimiser fuses into SimplifiedLayerNormalization. */
/** com.microsoft SkipSimplifiedLayerNormalization: [norm(x + skip) * weight, x + skip]. */
function skipNorm(g: OnnxGraph, x: string, skip: string, weight: string, eps: number): [string, string] {
  const [y, , , sum] = g.opN('SkipSimplifiedLayerNormalization', [x, skip, weight], 4, { epsilon: { float: eps } }, { domain: MS_DOMAIN });
  return [y!, sum!];
}

/**
 * One weight with the rows of `ws` stacked (q|k|v, gate|up), so one MatMulNBits call reads the input once and
 * quantizes it once; undefined when the kinds or 4-bit layouts differ (the caller keeps separate layers).
 */
export function concatRows(ws: readonly LinearWeight[]): LinearWeight | undefined {
  const first = ws[0]!;
  if (ws.some((w) => w.kind !== first.kind || w.in !== first.in)) return undefined;
  const out = ws.reduce((s, w) => s + w.out, 0);
  const cat = <T extends Float32Array | Uint8Array>(parts: T[], make: (n: number) => T): T => {
    const r = make(parts.reduce((s, a) => s + a.length, 0));
    let o = 0;
    for (const a of parts) {
      r.set(a, o);
      o += a.length;
    }
    return r;
  };
  switch (first.kind) {
    case 'f32':
      return { kind: 'f32', out, in: first.in, data: cat(ws.map((w) => (w as typeof first).data), (n) => new Float32Array(n)) };
    case 'q8':
      return { kind: 'q8', out, in: first.in, packed: cat(ws.map((w) => (w as typeof first).packed), (n) => new Uint8Array(n)), scales: cat(ws.map((w) => (w as typeof first).scales), (n) => new Float32Array(n)) };
    case 'q4': {
      const q4 = ws as (typeof first)[];
      if (q4.some((w) => w.zeroPoint !== first.zeroPoint || !w.mins !== !first.mins)) return undefined;
      return {
        kind: 'q4',
        out,
        in: first.in,
        packed: cat(q4.map((w) => w.packed), (n) => new Uint8Array(n)),
        scales: cat(q4.map((w) => w.scales), (n) => new Float32Array(n)),
        zeroPoint: first.zeroPoint,
        ...(first.mins ? { mins: cat(q4.map((w) => w.mins!), (n) => new Float32Array(n)) } : {}),
      };
    }
  }
}

function rmsNorm(g: OnnxGraph, x: string, weight: string, eps: number): string {
  const ms = g.op('ReduceMean', [g.op('Pow', [x, g.f32const([2])])], { axes: [-1], keepdims: 1 });
  const denom = g.op('Sqrt', [g.op('Add', [ms, g.f32const([eps])])]);
  return g.op('Mul', [g.op('Div', [x, denom]), weight]);
}

/** x . W^T for one linear layer, by weight kind (exported for the op-level layout tests). */
export function linear(g: OnnxGraph, x: string, w: LinearWeight, name: string, out?: string): string {
  const o = out ? { out } : {};
  switch (w.kind) {
    case 'f32': {
      // MatMul wants [in, out]: transpose once at build time.
      const t = new Float32Array(w.in * w.out);
      for (let r = 0; r < w.out; r++) for (let c = 0; c < w.in; c++) t[c * w.out + r] = w.data[r * w.in + c]!;
      return g.op('MatMul', [x, g.f32(`${name}.weight`, [w.in, w.out], t)], {}, o);
    }
    case 'q4': {
      const nb = w.in / 32;
      const B = g.initializer(`${name}.qweight`, DType.UINT8, [w.out, nb, 16], w.packed);
      const S = g.f32(`${name}.scales`, [w.out * nb], w.scales);
      const zpBytes = new Uint8Array(w.out * Math.ceil(nb / 2)).fill(w.zeroPoint === 8 ? 0x88 : 0);
      const Z = g.initializer(`${name}.zero_points`, DType.UINT8, [zpBytes.length], zpBytes);
      const attrs = { K: w.in, N: w.out, bits: 4, block_size: 32, accuracy_level: Q4_ACCURACY_LEVEL };
      if (!w.mins) return g.op('MatMulNBits', [x, B, S, Z], attrs, { domain: MS_DOMAIN, ...o });
      // Q4_1 blocks add a per-block minimum m: sum_k x_k (d q_k + m) = d (x . q) + m * sum(x over block).
      const y = g.op('MatMulNBits', [x, B, S, Z], attrs, { domain: MS_DOMAIN });
      const blockSums = g.op('ReduceSum', [g.op('Reshape', [x, g.i64([0, 0, nb, 32])]), g.i64([-1])], { keepdims: 0 });
      const mt = new Float32Array(nb * w.out);
      for (let r = 0; r < w.out; r++) for (let b = 0; b < nb; b++) mt[b * w.out + r] = w.mins[r * nb + b]!;
      return g.op('Add', [y, g.op('MatMul', [blockSums, g.f32(`${name}.block_mins`, [nb, w.out], mt)])], {}, o);
    }
    case 'q8': {
      // Symmetric 8-bit blocks: no zero_points input, so the op uses its default 2^(bits-1) = 128 (checked in
      // engine.test.ts against a direct sum) and takes its symmetric kernels.
      const nb = w.in / 32;
      const B = g.initializer(`${name}.qweight`, DType.UINT8, [w.out, nb, 32], w.packed);
      const S = g.f32(`${name}.scales`, [w.out * nb], w.scales);
      const attrs = { K: w.in, N: w.out, bits: 8, block_size: 32, accuracy_level: Q8_ACCURACY_LEVEL };
      return g.op('MatMulNBits', [x, B, S], attrs, { domain: MS_DOMAIN, ...o });
    }
  }
}

/**
 * MatMulNBits compute types (1 = fp32, 4 = int8 activations), chosen by measurement on onnxruntime 1.30 CPU (AVX2):
 * - 4-bit: fp32. Its int8 path's 1-row (decode) and many-row (prefill) kernels differ by ~1 logit on SmolLM2, far
 *   beyond any useful verifier eps; fp32 differs by ~1e-4 and runs at about f32 MatMul speed.
 * - 8-bit: int8. Decode and prefill logits are bit-identical (each row's activations are quantized per block the same
 *   way whatever the row count, and the block dot products are integer sums), and it is ~3x faster than f32 MatMul.
 *   The fp32 8-bit path is a fallback that dequantizes the whole matrix on every call (~10x slower than f32).
 */
const Q4_ACCURACY_LEVEL = 1;
const Q8_ACCURACY_LEVEL = 4;

function validate(a: LlamaArch, w: LlamaWeights): void {
  const bad = (m: string): never => {
    throw new Error(`invalid llama model: ${m}`);
  };
  if (a.numHeads % a.numKvHeads !== 0) bad(`head_count ${a.numHeads} is not a multiple of head_count_kv ${a.numKvHeads}`);
  if (a.headDim % 2 !== 0) bad(`head dim ${a.headDim} must be even for RoPE`);
  if (w.layers.length !== a.numLayers) bad(`expected ${a.numLayers} layers, got ${w.layers.length}`);
  if (w.embedding.length !== a.vocabSize * a.hiddenSize) bad('embedding size does not match vocab x hidden');
  const check = (lw: LinearWeight, out: number, inn: number, what: string): void => {
    if (lw.out !== out || lw.in !== inn) bad(`${what} is ${lw.out}x${lw.in}, expected ${out}x${inn}`);
    if (lw.kind !== 'f32' && inn % 32 !== 0) bad(`${what}: quantised input dim ${inn} not a multiple of 32`);
  };
  const qd = a.numHeads * a.headDim;
  const kvd = a.numKvHeads * a.headDim;
  w.layers.forEach((L, i) => {
    check(L.q, qd, a.hiddenSize, `layer ${i} q`);
    check(L.k, kvd, a.hiddenSize, `layer ${i} k`);
    check(L.v, kvd, a.hiddenSize, `layer ${i} v`);
    check(L.o, a.hiddenSize, qd, `layer ${i} o`);
    check(L.gate, a.intermediateSize, a.hiddenSize, `layer ${i} gate`);
    check(L.up, a.intermediateSize, a.hiddenSize, `layer ${i} up`);
    check(L.down, a.hiddenSize, a.intermediateSize, `layer ${i} down`);
  });
  if (w.lmHead !== 'tied') check(w.lmHead, a.vocabSize, a.hiddenSize, 'lm_head');
}

