"""Writes small GGUF fixtures and independently computed expectations for the TS importer tests.

Independent of the TypeScript code: quantisation/dequantisation by llama.cpp's gguf-py (`gguf.quants`),
the reference forward pass is a plain numpy llama (llama.cpp semantics: RoPE on adjacent pairs).

    pip install gguf==0.17.1 numpy
    python3 node/scripts/gguf-fixtures/make_fixtures.py   # writes node/src/models/gguf/fixtures/
"""
import json
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "models", "gguf", "fixtures")
rng = np.random.default_rng(20240601)


def quant(arr, qtype):
    if qtype == Q.F32:
        return arr.astype(np.float32), arr.astype(np.float32)
    if qtype == Q.F16:
        h = arr.astype(np.float16)
        return h, h.astype(np.float32)
    q = gguf.quants.quantize(arr.astype(np.float32), qtype)
    return q, gguf.quants.dequantize(q, qtype).astype(np.float32)


def quant_fixture():
    """One 2x64 tensor per supported type; expected = gguf-py's dequantisation."""
    w = gguf.GGUFWriter(os.path.join(OUT, "quant.gguf"), "llama")
    expected = {}
    for name, qt in [("f32", Q.F32), ("f16", Q.F16), ("q8_0", Q.Q8_0), ("q4_0", Q.Q4_0), ("q4_1", Q.Q4_1)]:
        x = rng.normal(0, 1, size=(2, 64)).astype(np.float32)
        x[0, :32] *= 0.01  # a block with small values
        data, deq = quant(x, qt)
        w.add_tensor(name, data, raw_dtype=qt)
        expected[name] = {"dims": [64, 2], "type": int(qt), "values": [float(v) for v in deq.reshape(-1)]}
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    with open(os.path.join(OUT, "quant.expected.json"), "w") as f:
        json.dump(expected, f)


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def rms(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope_pairs(x, pos, theta):
    # x: [seq, heads, hd]; llama.cpp "NORM" mode: rotate (x[2i], x[2i+1]) by pos * theta^(-2i/hd)
    hd = x.shape[-1]
    inv = theta ** (-np.arange(0, hd, 2, dtype=np.float64) / hd)
    ang = pos[:, None].astype(np.float64) * inv[None, :]
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * c - b * s
    out[..., 1::2] = a * s + b * c
    return out


def llama_fixture(name="tiny-llama", tied=True):
    H, F, L, NH, NKV, CTX = 64, 128, 2, 4, 2, 64
    HD = H // NH
    theta, eps = 10000.0, 1e-5
    b2u = bytes_to_unicode()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r", "o n", "Ġ the"]
    tokens = specials + [b2u[b] for b in range(256)]
    for m in merges:
        tokens.append(m.replace(" ", ""))
    tokens = list(dict.fromkeys(tokens))
    merges = [m for m in merges if m.replace(" ", "") in tokens]
    V = len(tokens)
    types = [3] * len(specials) + [1] * (V - len(specials))

    w = gguf.GGUFWriter(os.path.join(OUT, name + ".gguf"), "llama")
    w.add_name("tiny fixture")
    w.add_block_count(L)
    w.add_context_length(CTX)
    w.add_embedding_length(H)
    w.add_feed_forward_length(F)
    w.add_head_count(NH)
    w.add_head_count_kv(NKV)
    w.add_rope_freq_base(theta)
    w.add_layer_norm_rms_eps(eps)
    w.add_rope_dimension_count(HD)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_chat_template("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

    deq = {}

    def put(name, arr, qt):
        data, d = quant(arr, qt)
        w.add_tensor(name, data, raw_dtype=qt)
        deq[name] = d.reshape(arr.shape)

    put("token_embd.weight", rng.normal(0, 0.5, size=(V, H)), Q.Q8_0)
    types_cycle = [Q.Q4_1, Q.Q4_0, Q.Q8_0, Q.F16, Q.F32]
    k = 0
    for i in range(L):
        put(f"blk.{i}.attn_norm.weight", 1 + rng.normal(0, 0.1, size=(H,)), Q.F32)
        for nm, shape in [("attn_q", (NH * HD, H)), ("attn_k", (NKV * HD, H)), ("attn_v", (NKV * HD, H)), ("attn_output", (H, NH * HD)),
                          ("ffn_gate", (F, H)), ("ffn_up", (F, H)), ("ffn_down", (H, F))]:
            put(f"blk.{i}.{nm}.weight", rng.normal(0, 1 / np.sqrt(shape[1]), size=shape), types_cycle[k % len(types_cycle)])
            k += 1
        put(f"blk.{i}.ffn_norm.weight", 1 + rng.normal(0, 0.1, size=(H,)), Q.F32)
    put("output_norm.weight", 1 + rng.normal(0, 0.1, size=(H,)), Q.F32)
    if not tied:
        put("output.weight", rng.normal(0, 0.5, size=(V, H)), Q.Q4_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    # Reference forward (float64) on the dequantised weights, tied lm_head.
    ids = [1, 40, 80, 120, 200, 7, 9, 250, 260, 3]
    x = deq["token_embd.weight"][ids].astype(np.float64)
    pos = np.arange(len(ids))
    S = len(ids)
    for i in range(L):
        p = f"blk.{i}."
        h = rms(x, deq[p + "attn_norm.weight"], eps)
        q = (h @ deq[p + "attn_q.weight"].T).reshape(S, NH, HD)
        kk = (h @ deq[p + "attn_k.weight"].T).reshape(S, NKV, HD)
        v = (h @ deq[p + "attn_v.weight"].T).reshape(S, NKV, HD)
        q, kk = rope_pairs(q, pos, theta), rope_pairs(kk, pos, theta)
        out = np.zeros((S, NH, HD))
        for hh in range(NH):
            g = hh // (NH // NKV)
            sc = q[:, hh, :] @ kk[:, g, :].T / np.sqrt(HD)
            sc = sc + np.triu(np.full((S, S), -np.inf), 1)
            pr = np.exp(sc - sc.max(-1, keepdims=True))
            pr /= pr.sum(-1, keepdims=True)
            out[:, hh, :] = pr @ v[:, g, :]
        x = x + out.reshape(S, H) @ deq[p + "attn_output.weight"].T
        h2 = rms(x, deq[p + "ffn_norm.weight"], eps)
        gt = h2 @ deq[p + "ffn_gate.weight"].T
        up = h2 @ deq[p + "ffn_up.weight"].T
        x = x + ((gt / (1 + np.exp(-gt))) * up) @ deq[p + "ffn_down.weight"].T
    head = deq["token_embd.weight"] if tied else deq["output.weight"]
    logits = rms(x, deq["output_norm.weight"], eps) @ head.T
    with open(os.path.join(OUT, name + ".expected.json"), "w") as f:
        json.dump({"ids": ids, "vocab": V, "logits": [[round(float(v), 6) for v in row] for row in logits]}, f)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    quant_fixture()
    llama_fixture()
    llama_fixture("tiny-llama-untied", tied=False)
    print("fixtures written to", os.path.normpath(OUT))
