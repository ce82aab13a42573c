"""
Deterministic CPU trainer for the project's ONNX llama graphs (onnxruntime training API).

Protocol (driven by node/src/training/worker.ts): one JSON request on stdin, JSON lines on stdout:
  {"event":"ready", ...}                       artifacts built, about to train
  {"event":"loss","step":s,"loss":x}           training loss of step s (1-based, before the update of step s)
  {"event":"checkpoint","step":k,"digest":hex} digest of the trainable weights after step k (k = K, 2K, ..., steps)
  {"event":"done","lossBefore":x,"lossAfter":y,"checkpoints":[...],"trainable":n}
  {"event":"replayed","fromStep":k,"startDigest":hex,"endDigest":hex}   (request with "replay": {"fromStep": k, ...})
  "done" and "replayed" also carry "phaseMs": {phase: milliseconds} (where the run's wall time went).
  {"event":"error","code":"...","message":"..."}  (exit status 2)

Determinism: the data order is a pure function of (seed, epoch, example index) (see batch_order), every batch has
the fixed shape [batch, seqLen], ORT runs with a fixed intra-op thread count and sequential execution, and no
op in the training graph draws random numbers (no dropout in the llama graph). The same request on the same CPU
ISA therefore yields bit-identical weights; see node/src/training/TRAINING.md.

LoRA ("method":"lora", "lora":{"rank":r,"alpha":a,"targets":["q","v"]}): low-rank adapters A [in, r], B [r, out]
beside the targeted attention projections, y = x W + (alpha/r) (x A) B, are the only trainable weights (the base is
frozen; quantised MatMulNBits weights are dequantised to float32 in the training graph, which has no gradient for
MatMulNBits). A is drawn from the seed (lora_init), B = 0, so training starts from the base's exact function. The
child merges the adapters: W' = W + (alpha/r) A B, as a float32 MatMul in the base graph (see write_lora_child).

Pretrain ("method":"pretrain"): training from scratch. The base supplies the graph and tokenizer only; every trainable
weight is first replaced by pretrain_init (a seeded draw: matrices ~normal(0, 0.02), norm scales 1), which is
checkpoint 0, and then all of them train as in full. A replay from step 0 starts from that init, never from the
base's weights. {"initOnly": true} (with baseDir, seed, method) only emits {"event":"init","digest":hex}: the digest
of checkpoint 0, recomputed without onnxruntime (what a verifier compares a replay's start with).

Artifact cache ("artifactsCache": {"dir": d, "baseRoot": content root of baseDir}): the training/eval/optimizer graphs
generate_artifacts builds are a pure function of the base bytes, the method, the adapter shape and this stack, so they
are kept under d/<artifacts_key> and reused; the checkpoint (initial weights: base, seeded adapters, alpha) is always
written fresh from the current graph, exactly as generate_artifacts writes it.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import types

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
import onnxruntime

onnxruntime.set_default_logger_severity(3)

# onnxruntime.training/__init__ imports torch (for ORTModule); the artifact and on-device training APIs do not need
# it, so load the subpackages without executing that __init__.
_pkg = types.ModuleType("onnxruntime.training")
_pkg.__path__ = [os.path.join(os.path.dirname(onnxruntime.__file__), "training")]
sys.modules.setdefault("onnxruntime.training", _pkg)
from onnxruntime.training import api as ort_api  # noqa: E402
from onnxruntime.training import artifacts as ort_artifacts  # noqa: E402
from onnxruntime.training import onnxblock  # noqa: E402

IGNORE = -100
ORDER_DOMAIN = b"inferchain/training/order/v1"
DIGEST_DOMAIN = b"inferchain/training/checkpoint/v1"
LORA_INIT_DOMAIN = b"inferchain/training/lora-init/v1"
# Also the recipe's init= line (x/training types.PretrainInitRule): a new rule is a new domain and a new recipe.
PRETRAIN_INIT_DOMAIN = b"inferchain/training/pretrain-init/v1"
PRETRAIN_STD = 0.02
METHODS = ("full", "lora", "pretrain")
LORA_TARGETS = ("q", "k", "v", "o")
LOGITS_2D = "logits_2d"


class TrainError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def trainable_names(model: onnx.ModelProto) -> list[str]:
    """Weights of the llama graph (builder names), excluding RoPE tables and graph constants."""
    names = []
    for init in model.graph.initializer:
        if not (init.name.startswith("model.") or init.name.startswith("lm_head.")):
            continue
        if init.data_type != TensorProto.FLOAT:
            raise TrainError("unsupported_model", f"initializer {init.name} is not float32 (quantised weights cannot be trained in full, by method full or pretrain; use lora)")
        names.append(init.name)
    if not names:
        raise TrainError("unsupported_model", "model.onnx has no llama weight initializers")
    return sorted(names)


def training_forward(model: onnx.ModelProto, vocab: int) -> onnx.ModelProto:
    """The inference graph minus its present.* outputs, with logits flattened to [batch*seq, vocab] for the loss."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    outs = [o for o in m.graph.output if o.name == "logits"]
    if len(outs) != 1:
        raise TrainError("unsupported_model", "model.onnx has no 'logits' output")
    del m.graph.output[:]
    shape = numpy_helper.from_array(np.array([-1, vocab], dtype=np.int64), "train.logits_2d_shape")
    m.graph.initializer.append(shape)
    m.graph.node.append(helper.make_node("Reshape", ["logits", shape.name], [LOGITS_2D], name="train.flatten_logits"))
    m.graph.output.append(helper.make_tensor_value_info(LOGITS_2D, TensorProto.FLOAT, ["rows", vocab]))
    return m


def prefill_inputs(B: int, seq: int, nkv: int, hd: int, layers: int) -> list[np.ndarray]:
    """The engine graph's inputs after input_ids for a prefill of `seq` tokens from position 0, in graph input order:
    position_ids, logits_to_keep, kv_write_index.key|value (ScatterND coordinates of the new keys/values), then the
    zeroed past_key_values (keys transposed [B, nkv, hd, seq], values [B, nkv, seq, hd]; capacity = seq)."""
    pos = np.tile(np.arange(seq, dtype=np.int64), (B, 1))
    keep = np.array([seq], dtype=np.int64)
    b, h, d, t = np.meshgrid(np.arange(B), np.arange(nkv), np.arange(hd), np.arange(seq), indexing="ij")
    wk = np.stack([b, h, d, t], axis=-1).astype(np.int64)
    b, h, t = np.meshgrid(np.arange(B), np.arange(nkv), np.arange(seq), indexing="ij")
    wv = np.stack([b, h, t], axis=-1).astype(np.int64)
    past: list[np.ndarray] = []
    for _ in range(layers):
        past.append(np.zeros((B, nkv, hd, seq), dtype=np.float32))
        past.append(np.zeros((B, nkv, seq, hd), dtype=np.float32))
    return [pos, keep, wk, wv, *past]


def checkpoint_digest(params: dict[str, np.ndarray]) -> str:
    """SHA-256 over DOMAIN, then per weight sorted by name: u32be(len name) name u64be(len bytes) float32-LE bytes."""
    h = hashlib.sha256(DIGEST_DOMAIN)
    for name in sorted(params):
        b = np.ascontiguousarray(params[name], dtype="<f4").tobytes()
        nb = name.encode()
        h.update(struct.pack(">I", len(nb)) + nb + struct.pack(">Q", len(b)) + b)
    return h.hexdigest()


def epoch_order(seed: int, epoch: int, n: int) -> list[int]:
    """Examples of one epoch sorted by SHA-256(DOMAIN || u64be seed || u64be epoch || u64be index)."""
    key = lambda i: hashlib.sha256(ORDER_DOMAIN + struct.pack(">QQQ", seed, epoch, i)).digest()
    return sorted(range(n), key=key)


def batch_order(seed: int, n: int, steps: int, batch: int) -> list[list[int]]:
    """Example indices of every step: epochs concatenated, each in epoch_order, cut into batches."""
    stream: list[int] = []
    epoch = 0
    while len(stream) < steps * batch:
        stream.extend(epoch_order(seed, epoch, n))
        epoch += 1
    return [stream[s * batch:(s + 1) * batch] for s in range(steps)]


def encode_batch(examples: list[dict], idx: list[int], seq: int) -> tuple[np.ndarray, np.ndarray]:
    """ids [b, seq] (0-padded) and labels [b*seq]: label t = ids[t+1] where that token is trained, else IGNORE."""
    ids = np.zeros((len(idx), seq), dtype=np.int64)
    labels = np.full((len(idx), seq), IGNORE, dtype=np.int64)
    for r, i in enumerate(idx):
        tok = examples[i]["ids"][: seq + 1]
        mask = examples[i]["mask"][: seq + 1]
        n = min(len(tok), seq)
        ids[r, :n] = tok[:n]
        for t in range(len(tok) - 1):
            if mask[t + 1]:
                labels[r, t] = tok[t + 1]
    return ids, labels.reshape(-1)


def validate(req: dict) -> None:
    if isinstance(req.get("seed"), str) and req["seed"].isdigit() and int(req["seed"]) < 2**64:
        req["seed"] = int(req["seed"])  # uint64 seeds travel as decimal strings (JSON numbers stop at 2^53)
    for k, kind in (("baseDir", str), ("outDir", str), ("workDir", str), ("examples", list), ("lr", float), ("steps", int), ("batch", int), ("seqLen", int), ("seed", int), ("checkpointInterval", int), ("threads", int)):
        v = req.get(k)
        if kind is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
            req[k] = v
        if not isinstance(v, kind) or isinstance(v, bool):
            raise TrainError("bad_request", f"'{k}' must be a {kind.__name__}")
    method = req.get("method", "full")
    if method not in METHODS:
        raise TrainError("unsupported_method", f"method '{method}' is not supported by this trainer ({', '.join(METHODS)})")
    if method != "lora" and req.get("lora") is not None:
        raise TrainError("bad_request", f"'lora' hyper-parameters are for method lora only (method {method} trains every weight)")
    if method == "lora":
        lo = req.get("lora")
        if not isinstance(lo, dict):
            raise TrainError("bad_request", "method lora needs 'lora': {rank, alpha, targets}")
        r, a, t = lo.get("rank"), lo.get("alpha"), lo.get("targets")
        if isinstance(a, int) and not isinstance(a, bool):
            a = lo["alpha"] = float(a)
        if not isinstance(r, int) or isinstance(r, bool) or r < 1:
            raise TrainError("bad_request", "lora.rank must be an integer >= 1")
        if not isinstance(a, float) or not (a > 0):
            raise TrainError("bad_request", "lora.alpha must be a number > 0")
        if not isinstance(t, list) or not t or any(x not in LORA_TARGETS for x in t) or len(set(t)) != len(t):
            raise TrainError("bad_request", f"lora.targets must be distinct projections from {','.join(LORA_TARGETS)}")
    if req["steps"] < 1 or req["batch"] < 1 or req["seqLen"] < 2 or req["threads"] < 1:
        raise TrainError("bad_request", "steps, batch, threads must be >= 1 and seqLen >= 2")
    K = req["checkpointInterval"]
    if K < 1 or req["steps"] % K != 0:
        raise TrainError("bad_request", f"checkpointInterval {K} must be >= 1 and divide steps {req['steps']}")
    if not (req["lr"] > 0):
        raise TrainError("bad_request", "lr must be > 0")
    if not req["examples"]:
        raise TrainError("bad_request", "no training examples")
    c = req.get("artifactsCache")
    if c is not None and not (isinstance(c, dict) and isinstance(c.get("dir"), str) and isinstance(c.get("baseRoot"), str) and len(c["baseRoot"]) == 64):
        raise TrainError("bad_request", "artifactsCache must be {dir, baseRoot: the base's 64-hex content root}")
    for e in req["examples"]:
        if not isinstance(e, dict) or len(e.get("ids", [])) != len(e.get("mask", [])) or len(e["ids"]) < 2:
            raise TrainError("bad_request", "each example needs 'ids' and 'mask' of equal length >= 2")


def seeded_uniform(domain: bytes, seed: int, name: str, n: int) -> np.ndarray:
    """n float64 uniforms in (0, 1) with 24 bits each (exact in float32), from a SHA-256 counter stream over
    (domain, u64be seed, u32be len name, name, u64be block), 8 big-endian u32 words per block: the same values on
    any machine or library (the one PRNG of the trainer: LoRA's A and the pretrain init)."""
    prefix = domain + struct.pack(">Q", seed) + struct.pack(">I", len(name.encode())) + name.encode()
    words = np.frombuffer(b"".join(hashlib.sha256(prefix + struct.pack(">Q", i)).digest() for i in range((n + 7) // 8)), dtype=">u4")[:n]
    return ((words >> np.uint32(8)).astype(np.float64) + 0.5) / float(1 << 24)


def lora_init(seed: int, name: str, rows: int, cols: int) -> np.ndarray:
    """A [rows=in, cols=r]: uniform in +-1/sqrt(in) (PEFT's kaiming_uniform(a=sqrt 5) bound) from seeded_uniform."""
    u = seeded_uniform(LORA_INIT_DOMAIN, seed, name, rows * cols)
    bound = 1.0 / np.sqrt(rows)
    return ((2.0 * u - 1.0) * bound).astype(np.float32).reshape(rows, cols)


def pretrain_init(seed: int, name: str, dims: tuple[int, ...]) -> np.ndarray:
    """The from-scratch value of one llama weight. Norm scales (1-D '*norm.weight'): 1. Matrices (embeddings,
    projections, lm_head): std * (sum of 12 seeded uniforms - 6), the Irwin-Hall approximation of normal(0, std)
    (mean 0, variance 1, bounded by +-6 std). Box-Muller would need log and cos, whose last bit differs between
    libms; a sum of 24-bit uniforms is exact in float64, so every machine draws the same weights."""
    if len(dims) == 1 and name.endswith("norm.weight"):
        return np.ones(dims, dtype=np.float32)
    if len(dims) != 2:
        raise TrainError("unsupported_model", f"pretrain has no init rule for {name} of shape {list(dims)} (matrices and norm scales only)")
    n = dims[0] * dims[1]
    z = seeded_uniform(PRETRAIN_INIT_DOMAIN, seed, name, 12 * n).reshape(n, 12).sum(axis=1) - 6.0
    return (z * PRETRAIN_STD).astype(np.float32).reshape(dims)


def pretrain_weights(model: onnx.ModelProto, names: list[str], seed: int) -> dict[str, np.ndarray]:
    """Checkpoint 0 of a pretrain job: every trainable weight of the graph drawn by pretrain_init."""
    dims = {i.name: tuple(i.dims) for i in model.graph.initializer}
    return {n: pretrain_init(seed, n, dims[n]) for n in names}


def with_weights(model: onnx.ModelProto, params: dict[str, np.ndarray]) -> onnx.ModelProto:
    """A copy of the graph with the named initializers replaced (same names, shapes, float32)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for i, init in enumerate(m.graph.initializer):
        if init.name in params:
            m.graph.initializer[i].CopyFrom(numpy_helper.from_array(np.asarray(params[init.name], dtype=np.float32).reshape(tuple(init.dims)), init.name))
    return m


def dequantize_nbits(model: onnx.ModelProto, node: onnx.NodeProto) -> np.ndarray:
    """W [K, N] float32 of a 4-bit MatMulNBits (llama.ts linear): W[k, n] = scale[n, b] * (q[n, k] - zp[n, b]), b = k / 32.
    The Q4_1 block minimums stay in their own (differentiable) MatMul branch of the graph."""
    inits = {i.name: i for i in model.graph.initializer}
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    K, N, bits, bs = attrs["K"], attrs["N"], attrs["bits"], attrs["block_size"]
    if bits != 4:
        raise TrainError("unsupported_model", f"{node.name}: {bits}-bit MatMulNBits is not supported (4-bit only)")
    nb = K // bs
    packed = numpy_helper.to_array(inits[node.input[1]]).reshape(N, nb, bs // 2)
    q = np.empty((N, nb, bs), dtype=np.float32)
    q[:, :, 0::2] = packed & 0x0F  # low nibble first
    q[:, :, 1::2] = packed >> 4
    scales = numpy_helper.to_array(inits[node.input[2]]).astype(np.float32).reshape(N, nb, 1)
    if len(node.input) > 3 and node.input[3]:
        zb = numpy_helper.to_array(inits[node.input[3]]).reshape(N, -1)
        zp = np.empty((N, zb.shape[1] * 2), dtype=np.float32)
        zp[:, 0::2], zp[:, 1::2] = zb & 0x0F, zb >> 4
        zp = zp[:, :nb].reshape(N, nb, 1)
    else:
        zp = np.full((N, nb, 1), 8.0, dtype=np.float32)
    return np.ascontiguousarray(((q - zp) * scales).reshape(N, K).T)


def lora_module_name(init_name: str) -> str | None:
    """'model.layers.3.self_attn.q_proj' for a q/k/v/o projection weight ('.weight' f32 or '.qweight' 4-bit)."""
    for suffix in (".weight", ".qweight"):
        if init_name.endswith(suffix) and ".self_attn." in init_name and init_name.startswith("model.layers."):
            return init_name[: -len(suffix)]
    return None


def lora_training_model(model: onnx.ModelProto, targets: list[str], rank: int, scale: float, seed: int) -> tuple[onnx.ModelProto, list[str], dict[str, str]]:
    """The base graph with every MatMulNBits dequantised to a frozen float32 MatMul and, after each targeted
    projection y = linear(x), y = linear(x) + scale * MatMul(MatMul(x, A), B). Returns (graph, adapter names,
    {projection module: the tensor name of its float32 [in, out] weight in this graph})."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    inits = {i.name: i for i in m.graph.initializer}
    want = {f".self_attn.{t}_proj" for t in targets}
    scale_t = numpy_helper.from_array(np.array([scale], dtype=np.float32), "lora.scale")
    new_inits: list[onnx.TensorProto] = [scale_t]
    drop: set[str] = set()
    nodes: list[onnx.NodeProto] = []
    adapters: list[str] = []
    weights: dict[str, str] = {}
    for node in m.graph.node:
        if node.op_type == "MatMulNBits":
            w = numpy_helper.from_array(dequantize_nbits(m, node), node.input[1] + ".dequantized")
            new_inits.append(w)
            drop.update(x for x in node.input[1:] if x)
            node = helper.make_node("MatMul", [node.input[0], w.name], list(node.output), name=(node.name or node.output[0]) + ".dequantized")
        nodes.append(node)
        if node.op_type != "MatMul" or len(node.input) != 2:
            continue
        src = node.input[1].removesuffix(".dequantized")
        mod = lora_module_name(src)
        if mod is None or not any(mod.endswith(t) for t in want):
            continue
        w = inits.get(node.input[1]) or next(i for i in new_inits if i.name == node.input[1])
        k_in, n_out = w.dims
        a_name, b_name = f"lora.{mod}.A", f"lora.{mod}.B"
        new_inits.append(numpy_helper.from_array(lora_init(seed, a_name, k_in, rank), a_name))
        new_inits.append(numpy_helper.from_array(np.zeros((rank, n_out), dtype=np.float32), b_name))
        adapters += [a_name, b_name]
        weights[mod] = node.input[1]
        y = node.output[0]
        node.output[0] = y + ".lora_base"
        xa = helper.make_node("MatMul", [node.input[0], a_name], [f"{mod}.lora_xa"], name=f"{mod}.lora_xa")
        xab = helper.make_node("MatMul", [f"{mod}.lora_xa", b_name], [f"{mod}.lora_xab"], name=f"{mod}.lora_xab")
        sc = helper.make_node("Mul", [f"{mod}.lora_xab", scale_t.name], [f"{mod}.lora_delta"], name=f"{mod}.lora_scale")
        add = helper.make_node("Add", [y + ".lora_base", f"{mod}.lora_delta"], [y], name=f"{mod}.lora_add")
        nodes += [xa, xab, sc, add]
    if not adapters:
        raise TrainError("unsupported_model", f"no attention projection for LoRA targets {','.join(targets)} in model.onnx")
    kept = [i for i in m.graph.initializer if i.name not in drop]
    del m.graph.initializer[:]
    m.graph.initializer.extend(kept + new_inits)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    return m, sorted(adapters), weights


def session_options(threads: int) -> onnxruntime.SessionOptions:
    so = onnxruntime.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    so.use_deterministic_compute = True
    # Idle pool threads sleep instead of spinning: on a shared or loaded CPU the spinning threads steal the cores the
    # working ones need (a SmolLM2 eval batch took 1.8 s spinning vs 1.2 s not, at load 5 on 2 cores). Spinning only
    # changes how threads wait, not how work is split: the results are bit-identical.
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return so


def artifacts_key(base_root: str, req: dict) -> str:
    """What the training graphs depend on: the base bytes (content root), the method and adapter shape, this trainer's
    source and the pinned stack. Not the seed or learning rate: those live in the checkpoint and the optimizer calls."""
    lo = req.get("lora") if req.get("method") == "lora" else None
    spec = {
        "domain": "inferchain/training/artifacts/v1",
        "trainer": hashlib.sha256(open(__file__, "rb").read()).hexdigest(),
        "onnxruntime": onnxruntime.__version__,
        "onnx": onnx.__version__,
        "base": base_root,
        "method": req.get("method", "full"),
        "lora": {"rank": lo["rank"], "alpha": lo["alpha"], "targets": lo["targets"]} if lo else None,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


GRAPH_FILES = ("training_model.onnx", "eval_model.onnx", "optimizer_model.onnx")


def build_artifacts(fwd: onnx.ModelProto, names: list[str], frozen: list[str], art: str, cache: dict | None, req: dict) -> bool:
    """Writes the ORT training artifacts for `fwd` into art/; with a cache, the graphs come from (or go to) it.
    Returns whether the graphs were a cache hit."""
    shutil.rmtree(art, ignore_errors=True)
    os.makedirs(art)
    entry = os.path.join(cache["dir"], artifacts_key(cache["baseRoot"], req)) if cache else None
    if entry and all(os.path.exists(os.path.join(entry, f)) for f in GRAPH_FILES):
        for f in GRAPH_FILES:
            shutil.copyfile(os.path.join(entry, f), os.path.join(art, f))
        # generate_artifacts' checkpoint: the graph's initializers split into trainable / frozen, in graph order
        want, fz = set(names), set(frozen)
        inits = fwd.graph.initializer
        onnxblock.save_checkpoint(([i for i in inits if i.name in want], [i for i in inits if i.name in fz]), os.path.join(art, "checkpoint"))
        return True
    ort_artifacts.generate_artifacts(
        fwd,
        requires_grad=names,
        frozen_params=frozen,
        loss=onnxblock.loss.CrossEntropyLoss(reduction="mean", ignore_index=IGNORE),
        optimizer=ort_artifacts.OptimType.AdamW,
        artifact_directory=art,
    )
    if entry and not os.path.exists(entry):
        # complete entries only: written beside, renamed into place (a concurrent writer's identical entry wins)
        os.makedirs(cache["dir"], exist_ok=True)
        tmp = tempfile.mkdtemp(dir=cache["dir"], prefix=".partial-")
        for f in GRAPH_FILES:
            shutil.copyfile(os.path.join(art, f), os.path.join(tmp, f))
        try:
            os.rename(tmp, entry)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    return False


class Phases:
    """Wall milliseconds per phase of one run (reported in the final event)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self.t = time.perf_counter()

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.ms[name] = round(self.ms.get(name, 0.0) + (now - self.t) * 1000, 1)
        self.t = now


def train(req: dict) -> dict:
    ph = Phases()
    validate(req)
    base, out, work = req["baseDir"], req["outDir"], req["workDir"]
    cfg = json.load(open(os.path.join(base, "config.json")))
    arch = cfg["arch"]
    vocab, nkv, hd = arch["vocabSize"], arch["numKvHeads"], arch["headDim"]
    layers = arch["numLayers"]
    seq, B = req["seqLen"], req["batch"]
    if seq > arch["contextLength"]:
        raise TrainError("bad_request", f"seqLen {seq} exceeds the model's context length {arch['contextLength']}")
    model = onnx.load(os.path.join(base, cfg["files"]["model"]))
    method = req.get("method", "full")
    lora = req["lora"] if method == "lora" else None
    if lora is not None:
        lora_scale = lora["alpha"] / lora["rank"]
        graph, names, lora_weights = lora_training_model(model, lora["targets"], lora["rank"], lora_scale, req["seed"])
    else:
        graph, names = model, trainable_names(model)
    if method == "pretrain":
        # the base's weights never enter the run: the training graph (and so the artifacts' checkpoint, where a
        # replay of interval 0 starts) holds the seeded init
        graph = model = with_weights(model, pretrain_weights(model, names, req["seed"]))
    ph.mark("load")

    art = os.path.join(work, "artifacts")
    frozen = [i.name for i in graph.graph.initializer if i.name not in set(names)]
    hit = build_artifacts(training_forward(graph, vocab), names, frozen, art, req.get("artifactsCache"), req)
    ph.mark("artifactsCached" if hit else "artifacts")
    replay = req.get("replay")
    K = req["checkpointInterval"]
    start_ckpt = os.path.join(art, "checkpoint")
    first_step = 0
    if replay is not None:
        # Replays steps (k, k+K] from the full training state saved at step k (weights + AdamW moments), or from the
        # base for k = 0: the same data order and arithmetic as the original run, so the end digest must match.
        k = replay.get("fromStep")
        if not isinstance(k, int) or k < 0 or k % K != 0 or k + K > req["steps"]:
            raise TrainError("bad_request", f"replay.fromStep must be a multiple of {K} with fromStep + {K} <= steps")
        if k > 0:
            start_ckpt = replay.get("checkpoint")
            if not isinstance(start_ckpt, str) or not os.path.exists(start_ckpt):
                raise TrainError("bad_request", f"replay.checkpoint: no training state for step {k} at {start_ckpt}")
        first_step = k
    state = ort_api.CheckpointState.load_checkpoint(start_ckpt)
    module = ort_api.Module(os.path.join(art, "training_model.onnx"), state, os.path.join(art, "eval_model.onnx"), "cpu", session_options(req["threads"]))
    opt = ort_api.Optimizer(os.path.join(art, "optimizer_model.onnx"), module)
    opt.set_learning_rate(req["lr"])
    ph.mark("session")

    rest = prefill_inputs(B, seq, nkv, hd, layers)
    examples = req["examples"]

    def eval_loss() -> tuple[float, float]:
        """Mean of per-batch losses over every example once, in index order (last batch wraps around), and the loss of
        the first batch (examples 0..B-1 mod n: what the merged child is checked against)."""
        module.eval()
        n = len(examples)
        losses = []
        for s in range(0, n, B):
            idx = [(s + j) % n for j in range(B)]
            ids, labels = encode_batch(examples, idx, seq)
            losses.append(float(module(ids, *rest, labels)))
        return float(np.mean(losses)), losses[0]

    digest = lambda: checkpoint_digest({n: state.parameters[n].data for n in names})
    # initDigest: checkpoint 0, the state step 1 starts from (the base's weights, LoRA's seeded adapters, the pretrain init)
    emit({"event": "ready", "method": method, "trainable": len(names), "params": int(sum(state.parameters[n].data.size for n in names)), "initDigest": digest() if replay is None else None})
    order = batch_order(req["seed"], len(examples), req["steps"], B)
    if replay is not None:
        start = digest()
        module.train()
        for idx in order[first_step:first_step + K]:
            ids, labels = encode_batch(examples, idx, seq)
            module(ids, *rest, labels)
            opt.step()
            module.lazy_reset_grad()
        end = digest()
        ph.mark("steps")
        return {"event": "replayed", "fromStep": first_step, "startDigest": start, "endDigest": end, "phaseMs": ph.ms}
    save_dir = req.get("saveCheckpointsDir")
    init_digest = digest()
    loss_before, _ = eval_loss()
    ph.mark("evalBefore")
    module.train()
    checkpoints = []
    last = loss_before
    for step, idx in enumerate(order, start=1):
        ids, labels = encode_batch(examples, idx, seq)
        last = float(module(ids, *rest, labels))
        opt.step()
        module.lazy_reset_grad()
        emit({"event": "loss", "step": step, "loss": last})
        if step % K == 0:
            ph.mark("steps")
            d = digest()
            checkpoints.append(d)
            if save_dir:  # the full state a replay of (step, step+K] starts from
                os.makedirs(save_dir, exist_ok=True)
                ort_api.CheckpointState.save_checkpoint(state, os.path.join(save_dir, str(step)), include_optimizer_state=True)
            emit({"event": "checkpoint", "step": step, "digest": d})
            ph.mark("checkpoints")
            module.train()
    loss_after, first_batch_after = eval_loss()
    ph.mark("evalAfter")
    trained = {n: state.parameters[n].data for n in names}
    if lora is not None:
        ginits = {i.name: i for i in graph.graph.initializer}
        frozen = {w: numpy_helper.to_array(ginits[w]) for w in lora_weights.values()}
        model = merge_lora(model, trained, frozen, lora_weights, lora_scale)
        trained = {}
    write_child(model, cfg, trained, base, out, req.get("childName"))
    ph.mark("child")
    if lora is not None:
        check_merged_child(os.path.join(out, cfg["files"]["model"]), examples, B, seq, req["threads"], first_batch_after, nkv, hd, layers)
        ph.mark("mergeCheck")
    return {"event": "done", "lossBefore": loss_before, "lossAfter": loss_after, "lastStepLoss": last, "checkpoints": checkpoints, "trainable": len(names), "initDigest": init_digest, "phaseMs": ph.ms}


def merge_lora(model: onnx.ModelProto, adapters: dict[str, np.ndarray], weights: dict[str, np.ndarray], lora_weights: dict[str, str], scale: float) -> onnx.ModelProto:
    """The base graph with each adapted projection's weight replaced by W + scale * A B (float64 product, rounded
    once to float32). A float32 projection keeps its MatMul and initializer; a 4-bit one becomes a float32 MatMul
    (re-quantising would round the small adapter delta away), its Q4_1 minimum branch unchanged."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    merged: dict[str, np.ndarray] = {}
    for mod, wname in lora_weights.items():
        a, b = adapters[f"lora.{mod}.A"].astype(np.float64), adapters[f"lora.{mod}.B"].astype(np.float64)
        w = weights[wname].astype(np.float64).reshape(a.shape[0], b.shape[1])
        merged[mod] = (w + scale * (a @ b)).astype(np.float32)
    drop: set[str] = set()
    for node in m.graph.node:
        mod = lora_module_name(node.input[1]) if len(node.input) > 1 else None
        if mod not in merged:
            continue
        if node.op_type == "MatMulNBits":
            drop.update(x for x in node.input[1:] if x)
            out, x = list(node.output), node.input[0]
            node.CopyFrom(helper.make_node("MatMul", [x, f"{mod}.weight"], out, name=node.name or out[0]))
            m.graph.initializer.append(numpy_helper.from_array(merged[mod], f"{mod}.weight"))
        elif node.op_type == "MatMul":
            for i, init in enumerate(m.graph.initializer):
                if init.name == node.input[1]:
                    m.graph.initializer[i].CopyFrom(numpy_helper.from_array(merged[mod], init.name))
    if drop:
        kept = [i for i in m.graph.initializer if i.name not in drop]
        del m.graph.initializer[:]
        m.graph.initializer.extend(kept)
    return m


def check_merged_child(path: str, examples: list[dict], B: int, seq: int, threads: int, trained_loss: float, nkv: int, hd: int, layers: int) -> None:
    """The merged child, run by plain onnxruntime inference as the engine runs it, must give the trained graph's loss
    on the first eval batch (float32 rounding of the merge aside): a wrong merge never ships as a child."""
    sess = onnxruntime.InferenceSession(path, session_options(threads), providers=["CPUExecutionProvider"])
    ids, labels = encode_batch(examples, [j % len(examples) for j in range(B)], seq)
    names = [i.name for i in sess.get_inputs()]
    feeds = dict(zip(names, [ids, *prefill_inputs(B, seq, nkv, hd, layers)]))
    logits = sess.run(["logits"], feeds)[0].reshape(B * seq, -1).astype(np.float64)
    keep = labels != IGNORE
    z = logits[keep] - logits[keep].max(axis=1, keepdims=True)
    ce = np.log(np.exp(z).sum(axis=1)) - z[np.arange(z.shape[0]), labels[keep]]
    got = float(ce.mean())
    if not abs(got - trained_loss) <= 1e-3 * max(1.0, abs(trained_loss)):
        raise TrainError("merge_mismatch", f"merged child loss {got} differs from the trained adapters' loss {trained_loss}")


def init_digest_only(req: dict) -> dict:
    """Checkpoint 0 of a pretrain job recomputed from the graph and the seed alone (numpy, no onnxruntime): what a
    verifier compares the start of its replay of interval 0 with."""
    if isinstance(req.get("seed"), str) and req["seed"].isdigit() and int(req["seed"]) < 2**64:
        req["seed"] = int(req["seed"])
    if not isinstance(req.get("baseDir"), str) or not isinstance(req.get("seed"), int) or isinstance(req.get("seed"), bool):
        raise TrainError("bad_request", "initOnly needs 'baseDir' and 'seed'")
    if req.get("method") != "pretrain":
        raise TrainError("bad_request", "initOnly is for method pretrain (other methods start from the base model's files)")
    cfg = json.load(open(os.path.join(req["baseDir"], "config.json")))
    model = onnx.load(os.path.join(req["baseDir"], cfg["files"]["model"]))
    return {"event": "init", "digest": checkpoint_digest(pretrain_weights(model, trainable_names(model), req["seed"]))}


def write_child(model: onnx.ModelProto, cfg: dict, params: dict[str, np.ndarray], base: str, out: str, name: str | None) -> None:
    """Same layout as an imported model: the base graph with its trainable initializers replaced, same tokenizer."""
    child = with_weights(model, params)
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=out, prefix=".partial-")
    onnx.save(child, os.path.join(tmp, cfg["files"]["model"]))
    shutil.copyfile(os.path.join(base, cfg["files"]["tokenizer"]), os.path.join(tmp, cfg["files"]["tokenizer"]))
    c = dict(cfg)
    if name:
        c["name"] = name
    with open(os.path.join(tmp, "config.json"), "w") as f:
        f.write(json.dumps(c, indent=2, sort_keys=True) + "\n")
    for fn in os.listdir(tmp):
        os.replace(os.path.join(tmp, fn), os.path.join(out, fn))
    os.rmdir(tmp)


def main() -> int:
    try:
        req = json.loads(sys.stdin.readline() or "null")
        if not isinstance(req, dict):
            raise TrainError("bad_request", "expected one JSON object on stdin")
        emit(init_digest_only(req) if req.get("initOnly") is True else train(req))
        return 0
    except TrainError as e:
        emit({"event": "error", "code": e.code, "message": str(e)})
        return 2


if __name__ == "__main__":
    sys.exit(main())
