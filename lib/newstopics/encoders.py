"""How texts become vectors: the three encoders behind :class:`newstopics.embeddings.Embedder`.

* :class:`OnnxSentenceEncoder` runs a BERT sentence-transformers model (the
  packaged all-MiniLM-L6-v2, or any local folder of the same shape: BERT,
  mean pooling, normalisation) with ONNX Runtime, from its own safetensors
  weights and tokenizer.json. The graph is built here, in memory, in under a
  second; no torch, transformers or sentence-transformers is imported. Its
  vectors equal sentence-transformers' to within 1e-6 (the tests check this
  on the seed articles). Why: importing sentence-transformers costs about 8 s
  per run, more than embedding a few hundred paragraphs takes.
* :class:`SentenceTransformerEncoder`: any other model, through
  sentence-transformers, offline.
* :class:`StaticEncoder`: a static model distilled from a BERT encoder by the
  Model2Vec method (Tulkens and van Dongen, 2024): every word piece of the
  vocabulary is embedded once in context ``[CLS] piece [SEP]``, the table is
  reduced by PCA to 256 dimensions and weighted by SIF under Zipf's law; a text
  is then the normalised mean of its pieces' rows. Distilled once per model
  (about 15 s for MiniLM) and kept in the cache folder; encoding is a table
  lookup, hundreds of times faster than the network, at some cost in quality
  (``bench/results/bbc_news.md`` measures it).
"""
from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

import numpy as np

STATIC_DIMS = 256
SIF_COEFFICIENT = 1e-4


def _read_json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _tokenizer(path: Path, max_length: int | None):
    """The model's tokenizer.json, unpadded, truncated at ``max_length`` word pieces (None: never)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_padding()
    if max_length:
        tok.enable_truncation(max_length)
    else:
        tok.no_truncation()
    return tok


def _batches(texts: list[str], enc, batch_size: int, progress: bool, desc: str):
    """Padded id and mask arrays, longest first (the least padding), with their row numbers."""
    order = np.argsort([-len(e.ids) for e in enc], kind="stable")
    starts = range(0, len(texts), batch_size)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=desc, unit="batch")
    for s in starts:
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
        config = _read_json(path / "config.json") or {}
        modules = _read_json(path / "modules.json") or []
        pooling = _read_json(path / "1_Pooling" / "config.json") or {}
        kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules] if isinstance(modules, list) else []
        mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
            v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens")
        return (config.get("model_type") == "bert" and config.get("position_embedding_type", "absolute") == "absolute"
                and config.get("hidden_act") == "gelu" and kinds == ["Transformer", "Pooling", "Normalize"] and bool(mean_only))

    def __init__(self, path: Path, max_seq_length: int, threads: int | None = None):
        import onnxruntime as ort

        self.path = Path(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # the unused pooler weights are not worth a warning
        self.session = ort.InferenceSession(build_bert_graph(self.path).SerializeToString(), options, providers=["CPUExecutionProvider"])
        self.tokenizer = _tokenizer(self.path, max_seq_length)

    def encode(self, texts: list[str], batch_size: int = 8, progress: bool = False) -> np.ndarray:
        # small batches of similar length pad least: 400 BBC articles took 8.4-9.3 s at 8, 10.7 s at 32 (2 cores)
        enc = self.tokenizer.encode_batch([t.strip() for t in texts])  # sentence-transformers strips too
        out = np.zeros((len(texts), self.dim), np.float32)
        for rows, ids, mask in _batches(texts, enc, batch_size, progress, "Embedding"):
            out[rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out

    @property
    def dim(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1])


def build_bert_graph(path: Path):
    """The ONNX graph of BERT + mean pooling + L2 normalisation, weights from model.safetensors.

    Standard operators only (opset 17); ONNX Runtime fuses LayerNorm, GELU and
    the bias adds itself. Inputs ``input_ids`` and ``attention_mask`` (int64,
    batch x length); output ``embedding`` (float32, batch x hidden).
    """
    from onnx import TensorProto, helper as oh, numpy_helper
    from safetensors.numpy import load_file

    cfg = _read_json(path / "config.json")
    heads, layers, hidden, eps = cfg["num_attention_heads"], cfg["num_hidden_layers"], cfg["hidden_size"], cfg["layer_norm_eps"]
    head_dim = hidden // heads
    w = {re.sub(r"^bert\.", "", k): v.astype(np.float32) for k, v in load_file(str(path / "model.safetensors")).items()}
    inits, nodes = [], []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(kind: str, inputs: list[str], output: str | None = None, **attrs) -> str:
        output = output or f"{kind}_{len(nodes)}"
        nodes.append(oh.make_node(kind, inputs, [output], **attrs))
        return output

    def linear(x: str, p: str) -> str:  # torch stores weights out x in; MatMul wants in x out
        return op("Add", [op("MatMul", [x, const(p + ".weight", w[p + ".weight"].T.copy())]), const(p + ".bias", w[p + ".bias"])])

    def layer_norm(x: str, p: str) -> str:
        return op("LayerNormalization", [x, const(p + ".weight", w[p + ".weight"]), const(p + ".bias", w[p + ".bias"])], axis=-1, epsilon=eps)

    one_i, one_f = const("one_i", np.array(1, np.int64)), const("one_f", np.array(1, np.float32))
    length = op("Gather", [op("Shape", ["input_ids"]), one_i])
    positions = op("Range", [const("zero_i", np.array(0, np.int64)), length, one_i])
    x = op("Gather", [const("word_emb", w["embeddings.word_embeddings.weight"]), "input_ids"])
    x = op("Add", [x, op("Gather", [const("pos_emb", w["embeddings.position_embeddings.weight"]), positions])])
    x = op("Add", [x, const("type_emb", w["embeddings.token_type_embeddings.weight"][0])])
    x = layer_norm(x, "embeddings.LayerNorm")

    mask = op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    attn_bias = op("Unsqueeze", [op("Mul", [op("Sub", [one_f, mask]), const("masked", np.array(-1e4, np.float32))]),
                                 const("axes_12", np.array([1, 2], np.int64))])
    split_heads = const("split_heads", np.array([0, 0, heads, head_dim], np.int64))
    join_heads = const("join_heads", np.array([0, 0, hidden], np.int64))
    scale = const("scale", np.array(1 / np.sqrt(head_dim), np.float32))
    half, root2 = const("half", np.array(0.5, np.float32)), const("root2", np.array(np.sqrt(2.0), np.float32))
    for i in range(layers):
        p = f"encoder.layer.{i}."
        q = op("Transpose", [op("Reshape", [linear(x, p + "attention.self.query"), split_heads])], perm=[0, 2, 1, 3])
        k = op("Transpose", [op("Reshape", [linear(x, p + "attention.self.key"), split_heads])], perm=[0, 2, 3, 1])
        v = op("Transpose", [op("Reshape", [linear(x, p + "attention.self.value"), split_heads])], perm=[0, 2, 1, 3])
        scores = op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), attn_bias])
        context = op("MatMul", [op("Softmax", [scores], axis=-1), v])
        context = op("Reshape", [op("Transpose", [context], perm=[0, 2, 1, 3]), join_heads])
        x = layer_norm(op("Add", [linear(context, p + "attention.output.dense"), x]), p + "attention.output.LayerNorm")
        h = linear(x, p + "intermediate.dense")
        h = op("Mul", [op("Mul", [h, half]), op("Add", [op("Erf", [op("Div", [h, root2])]), one_f])])  # exact GELU
        x = layer_norm(op("Add", [linear(h, p + "output.dense"), x]), p + "output.LayerNorm")

    axis1 = const("axis_1", np.array([1], np.int64))
    m3 = op("Unsqueeze", [mask, const("axis_2", np.array([2], np.int64))])
    pooled = op("Div", [op("ReduceSum", [op("Mul", [x, m3]), axis1], keepdims=0),
                        op("Max", [op("ReduceSum", [m3, axis1], keepdims=0), const("min_count", np.array(1e-9, np.float32))])])
    norm = op("Max", [op("Sqrt", [op("ReduceSum", [op("Mul", [pooled, pooled]), axis1], keepdims=1)]), const("min_norm", np.array(1e-12, np.float32))])
    op("Div", [pooled, norm], "embedding")
    graph = oh.make_graph(
        nodes, "sentence_encoder",
        [oh.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
         oh.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"])],
        [oh.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])], inits)
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)], ir_version=8)


class SentenceTransformerEncoder:
    """Any other sentence-transformers model (local folder or a name in the Hugging Face cache), offline."""

    def __init__(self, target: str):
        from huggingface_hub import constants as hub_constants
        from sentence_transformers import SentenceTransformer

        hub_constants.HF_HUB_OFFLINE = True  # even if the hub library was imported before newstopics
        self.model = SentenceTransformer(target, device="cpu")

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self.model.encode(texts, batch_size=batch_size, show_progress_bar=progress, convert_to_numpy=True,
                                 normalize_embeddings=True).astype(np.float32)


class StaticEncoder:
    """A static word-piece table distilled from a BERT encoder (the Model2Vec method); see the module notes.

    The folder holds ``embeddings.npy`` (vocabulary x 256, float32), the teacher's
    ``tokenizer.json`` and ``static.json`` (what it was made from).
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.table = np.load(self.folder / "embeddings.npy", allow_pickle=False)
        self.tokenizer = _tokenizer(self.folder, None)

    def encode(self, texts: list[str], batch_size: int = 1024, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.table.shape[1]), np.float32)
        starts = range(0, len(texts), batch_size)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Embedding (static)", unit="batch")
        for s in starts:
            enc = self.tokenizer.encode_batch(texts[s:s + batch_size], add_special_tokens=False)
            lengths = np.array([len(e.ids) for e in enc])
            ids = np.concatenate([e.ids for e in enc] + [np.zeros(0, np.int64)]).astype(np.int64)
            sums = np.add.reduceat(self.table[ids], np.r_[0, np.cumsum(lengths)[:-1]], axis=0) if ids.size else np.zeros((0, out.shape[1]))
            rows = np.flatnonzero(lengths)  # reduceat gives a row per start; texts without pieces stay zero
            block = np.zeros((len(enc), out.shape[1]), np.float32)
            block[rows] = sums[rows] / lengths[rows, None]
            out[s:s + len(enc)] = block
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    @staticmethod
    def distill(teacher: OnnxSentenceEncoder, folder: Path, dims: int = STATIC_DIMS, sif: float = SIF_COEFFICIENT,
                progress: bool = False) -> Path:
        """Distil ``teacher`` into ``folder`` (written atomically; concurrent distillers do not clash)."""
        import shutil

        tok = _tokenizer(teacher.path, None)
        vocab = tok.get_vocab()
        size = max(vocab.values()) + 1
        specials = tok.encode("", add_special_tokens=True).ids  # e.g. [CLS], [SEP]
        ids = np.zeros((size, len(specials) + 1), np.int64)
        ids[:, 0] = specials[0]
        ids[:, 1] = np.arange(size)
        ids[:, 2:] = specials[1:]
        mask = np.ones_like(ids)
        vectors = np.zeros((size, teacher.dim), np.float32)
        starts = range(0, size, 1024)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Distilling static model", unit="batch")
        for s in starts:  # the network's own output for each piece in context, before normalisation is moot: PCA follows
            vectors[s:s + 1024] = teacher.session.run(None, {"input_ids": ids[s:s + 1024], "attention_mask": mask[s:s + 1024]})[0]
        centred = vectors - vectors.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        table = centred @ vt[:dims].T
        inv_rank = 1.0 / np.arange(2, size + 2)
        table *= (sif / (sif + inv_rank / inv_rank.sum()))[:, None]
        unused = [i for t, i in vocab.items() if re.fullmatch(r"\[unused\d+\]", t)]
        table[unused] = 0.0
        folder = Path(folder)
        tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.tmp")
        tmp.mkdir(parents=True)
        np.save(tmp / "embeddings.npy", table.astype(np.float32))
        shutil.copyfile(teacher.path / "tokenizer.json", tmp / "tokenizer.json")
        (tmp / "static.json").write_text(json.dumps({"teacher": str(teacher.path), "method": "model2vec-style: in-context piece embeddings, PCA, SIF/Zipf weights",
                                                     "dims": dims, "sif_coefficient": sif, "vocabulary": size}, indent=1))
        try:
            os.replace(tmp, folder)
        except OSError:  # another process finished first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        return folder
