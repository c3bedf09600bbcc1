"""A BERT sentence-transformers model on ONNX Runtime, built in memory from its own safetensors weights.

For the packaged all-MiniLM-L6-v2, or any local folder of the same shape (BERT, mean pooling,
normalisation). The graph is built here in under a second; no torch, transformers or
sentence-transformers is imported. Its vectors equal sentence-transformers' to within 1e-6 (the tests
check this on the seed articles). Why: importing sentence-transformers costs about 8 s per run, more
than embedding a few hundred paragraphs takes.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .encoders import load_tokenizer, progress_bar, read_json


def _batches(enc, batch_size: int, progress: bool, desc: str):
    """Padded id and mask arrays, longest first (the least padding), with their row numbers."""
    order = np.argsort([-len(e.ids) for e in enc], kind="stable")
    for s in progress_bar(range(0, len(enc), batch_size), desc, progress):
        rows = order[s:s + batch_size]
        width = max(len(enc[i].ids) for i in rows)
        ids = np.zeros((len(rows), width), np.int64)
        mask = np.zeros((len(rows), width), np.int64)
        for r, i in enumerate(rows):
            n = len(enc[i].ids)
            ids[r, :n] = enc[i].ids
            mask[r, :n] = 1
        yield rows, ids, mask


class OnnxSentenceEncoder:
    """A BERT sentence-transformers folder (mean pooling, normalised) run with ONNX Runtime."""

    @staticmethod
    def supports(path: Path | None) -> bool:
        if path is None or not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
            return False
        config = read_json(path / "config.json") or {}
        modules = read_json(path / "modules.json") or []
        pooling = read_json(path / "1_Pooling" / "config.json") or {}
        kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules] if isinstance(modules, list) else []
        mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
            v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens")
        return (
            config.get("model_type") == "bert"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and config.get("hidden_act") == "gelu"
            and kinds == ["Transformer", "Pooling", "Normalize"]
            and bool(mean_only)
        )

    def __init__(self, path: Path, max_seq_length: int, threads: int | None = None):
        import onnxruntime as ort

        self.path = Path(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # the unused pooler weights are not worth a warning
        self.session = ort.InferenceSession(
            build_bert_graph(self.path).SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = load_tokenizer(self.path, max_seq_length)

    def encode(self, texts: list[str], batch_size: int = 8, progress: bool = False) -> np.ndarray:
        # small batches of similar length pad least: 400 BBC articles took 8.4-9.3 s at 8, 10.7 s at 32 (2 cores)
        enc = self.tokenizer.encode_batch([t.strip() for t in texts])  # sentence-transformers strips too
        out = np.zeros((len(texts), self.dim), np.float32)
        for rows, ids, mask in _batches(enc, batch_size, progress, "Embedding"):
            out[rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out

    @property
    def dim(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1])


def build_bert_graph(path: Path):
    """The ONNX graph of BERT + mean pooling + L2 normalisation, weights from model.safetensors.

    Standard operators only (opset 17); ONNX Runtime fuses LayerNorm, GELU and the bias adds itself. Inputs
    ``input_ids`` and ``attention_mask`` (int64, batch x length); output ``embedding`` (float32, batch x hidden).
    """
    from onnx import TensorProto
    from onnx import helper as oh
    from safetensors.numpy import load_file

    cfg = read_json(path / "config.json")
    weights = {re.sub(r"^bert\.", "", k): v.astype(np.float32, copy=False)  # no second copy of the weights
               for k, v in load_file(str(path / "model.safetensors")).items()}
    g = _Graph(weights, cfg["layer_norm_eps"])
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    x = g.embeddings()
    attention_bias = g.op("Unsqueeze", [g.op("Mul", [g.op("Sub", [g.const("one_f", np.float32(1)), mask]),
                                                     g.const("masked", np.float32(-1e4))]),
                                        g.const("axes_12", np.array([1, 2], np.int64))])
    for i in range(cfg["num_hidden_layers"]):
        x = g.encoder_layer(x, f"encoder.layer.{i}.", attention_bias, cfg["num_attention_heads"], cfg["hidden_size"])
    g.mean_pool_normalise(x, mask, "embedding")
    graph = oh.make_graph(
        g.nodes, "sentence_encoder",
        [oh.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
         oh.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"])],
        [oh.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", cfg["hidden_size"]])], g.inits)
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)], ir_version=8)


class _Graph:
    """Nodes and initialisers of an ONNX graph under construction, with BERT's building blocks."""

    def __init__(self, weights: dict[str, np.ndarray], eps: float):
        self.w, self.eps = weights, eps
        self.nodes: list = []
        self.inits: list = []
        self._consts: set[str] = set()

    def const(self, name: str, value) -> str:
        from onnx import numpy_helper

        if name not in self._consts:
            self._consts.add(name)
            self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], output: str | None = None, **attrs) -> str:
        from onnx import helper as oh

        output = output or f"{kind}_{len(self.nodes)}"
        self.nodes.append(oh.make_node(kind, inputs, [output], **attrs))
        return output

    def linear(self, x: str, p: str) -> str:
        """x @ W.T + b (torch stores weights out x in; MatMul wants in x out)."""
        weight = self.const(p + ".weight", self.w[p + ".weight"].T.copy())
        return self.op("Add", [self.op("MatMul", [x, weight]), self.const(p + ".bias", self.w[p + ".bias"])])

    def layer_norm(self, x: str, p: str) -> str:
        scale, bias = self.const(p + ".weight", self.w[p + ".weight"]), self.const(p + ".bias", self.w[p + ".bias"])
        return self.op("LayerNormalization", [x, scale, bias], axis=-1, epsilon=self.eps)

    def embeddings(self) -> str:
        """Word + position + token-type embeddings, layer-normalised."""
        one = self.const("one_i", np.int64(1))
        length = self.op("Gather", [self.op("Shape", ["input_ids"]), one])
        positions = self.op("Range", [self.const("zero_i", np.int64(0)), length, one])
        x = self.op("Gather", [self.const("word_emb", self.w["embeddings.word_embeddings.weight"]), "input_ids"])
        position = self.const("pos_emb", self.w["embeddings.position_embeddings.weight"])
        x = self.op("Add", [x, self.op("Gather", [position, positions])])
        x = self.op("Add", [x, self.const("type_emb", self.w["embeddings.token_type_embeddings.weight"][0])])
        return self.layer_norm(x, "embeddings.LayerNorm")

    def encoder_layer(self, x: str, p: str, attention_bias: str, heads: int, hidden: int) -> str:
        """Self-attention and the feed-forward block (exact GELU), each with its residual and LayerNorm."""
        head_dim = hidden // heads
        split = self.const("split_heads", np.array([0, 0, heads, head_dim], np.int64))
        join = self.const("join_heads", np.array([0, 0, hidden], np.int64))

        def heads_of(name: str, perm: list[int]) -> str:
            return self.op("Transpose", [self.op("Reshape", [self.linear(x, p + name), split])], perm=perm)

        q = heads_of("attention.self.query", [0, 2, 1, 3])
        k = heads_of("attention.self.key", [0, 2, 3, 1])
        v = heads_of("attention.self.value", [0, 2, 1, 3])
        scale = self.const("scale", np.float32(1 / np.sqrt(head_dim)))
        scores = self.op("Add", [self.op("Mul", [self.op("MatMul", [q, k]), scale]), attention_bias])
        context = self.op("MatMul", [self.op("Softmax", [scores], axis=-1), v])
        context = self.op("Reshape", [self.op("Transpose", [context], perm=[0, 2, 1, 3]), join])
        x = self.layer_norm(self.op("Add", [self.linear(context, p + "attention.output.dense"), x]),
                            p + "attention.output.LayerNorm")
        h = self.linear(x, p + "intermediate.dense")
        erf = self.op("Erf", [self.op("Div", [h, self.const("root2", np.float32(np.sqrt(2.0)))])])
        h = self.op("Mul", [self.op("Mul", [h, self.const("half", np.float32(0.5))]),
                            self.op("Add", [erf, self.const("one_f", np.float32(1))])])
        return self.layer_norm(self.op("Add", [self.linear(h, p + "output.dense"), x]), p + "output.LayerNorm")

    def mean_pool_normalise(self, x: str, mask: str, output: str) -> str:
        """The mean of the unmasked token vectors, scaled to unit length."""
        axis1 = self.const("axis_1", np.array([1], np.int64))
        m3 = self.op("Unsqueeze", [mask, self.const("axis_2", np.array([2], np.int64))])
        counts = self.op("ReduceSum", [m3, axis1], keepdims=0)
        counts = self.op("Max", [counts, self.const("min_count", np.float32(1e-9))])
        pooled = self.op("Div", [self.op("ReduceSum", [self.op("Mul", [x, m3]), axis1], keepdims=0), counts])
        norm = self.op("Sqrt", [self.op("ReduceSum", [self.op("Mul", [pooled, pooled]), axis1], keepdims=1)])
        return self.op("Div", [pooled, self.op("Max", [norm, self.const("min_norm", np.float32(1e-12))])], output)
