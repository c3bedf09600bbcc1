"""A static model distilled from a BERT encoder by the Model2Vec method (Tulkens and van Dongen, 2024).

Every word piece of the vocabulary is embedded once in context ``[CLS] piece [SEP]``, the table is reduced
by PCA to 256 dimensions and weighted by SIF under Zipf's law; a text is then the normalised mean of its
pieces' rows. Distilled once per model (about 15 s for MiniLM) and kept in the cache folder; encoding is a
table lookup, hundreds of times faster than the network, at some cost in quality
(``bench/results/bbc_news_embeddings.md`` measures it).
"""
from __future__ import annotations

import itertools
import json
import os
import re
import uuid
from pathlib import Path

import numpy as np

from .encoders import WordPieces, load_tokenizer, progress_bar
from .onnx import OnnxSentenceEncoder

STATIC_DIMS = 256
STATIC_VERSION = 2  # in the model's identity: 2 = distilled on one thread, vectors summed in float64
SIF_COEFFICIENT = 1e-4


class StaticEncoder:
    """A static word-piece table distilled from a BERT encoder (the Model2Vec method); see the module notes.

    The folder holds ``embeddings.npy`` (vocabulary x 256, float32), the teacher's
    ``tokenizer.json`` and ``static.json`` (what it was made from).
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.table = np.load(self.folder / "embeddings.npy", allow_pickle=False)
        # sums in float64, rounded to float32 once at the end: a text's vector is then the same to the bit however the
        # texts are batched (in float32 the rounding followed the batch's memory layout, and the topics followed that)
        self.table64 = self.table.astype(np.float64)
        self.tokenizer = load_tokenizer(self.folder, None)
        self.pieces = WordPieces(self.tokenizer)  # the tokenizer's ids, faster

    def encode(self, texts: list[str], batch_size: int = 1024, progress: bool = False) -> np.ndarray:
        from scipy import sparse

        out = np.zeros((len(texts), self.table.shape[1]), np.float32)
        for s in progress_bar(range(0, len(texts), batch_size), "Embedding (static)", progress):
            enc = [self.pieces.ids(t) for t in texts[s:s + batch_size]]
            lengths = np.array([len(e) for e in enc], np.int64)
            ids = np.fromiter(itertools.chain.from_iterable(enc), np.int64, int(lengths.sum()))
            # each text's mean row as a sparse (texts x pieces) product: the pieces' rows are never copied out
            weights = np.repeat(1.0 / np.maximum(lengths, 1), lengths)
            mean = sparse.csr_matrix((weights, ids, np.r_[0, np.cumsum(lengths)]), shape=(len(enc), len(self.table)))
            block = mean @ self.table64  # texts without pieces stay zero
            block /= np.maximum(np.sqrt(np.einsum("ij,ij->i", block, block)), 1e-12)[:, None]
            out[s : s + len(enc)] = block
        return out

    @staticmethod
    def distill(
        teacher: OnnxSentenceEncoder,
        folder: Path,
        dims: int = STATIC_DIMS,
        sif: float = SIF_COEFFICIENT,
        progress: bool = False,
    ) -> Path:
        """Distil ``teacher`` into ``folder`` (written atomically; concurrent distillers do not clash)."""
        import shutil

        tok = load_tokenizer(teacher.path, None)
        vocab = tok.get_vocab()
        size = max(vocab.values()) + 1
        specials = tok.encode("", add_special_tokens=True).ids  # e.g. [CLS], [SEP]
        ids = np.zeros((size, len(specials) + 1), np.int64)
        ids[:, 0] = specials[0]
        ids[:, 1] = np.arange(size)
        ids[:, 2:] = specials[1:]
        mask = np.ones_like(ids)
        vectors = np.zeros((size, teacher.dim), np.float32)
        for s in progress_bar(
            range(0, size, 1024), "Distilling static model", progress
        ):  # the network's own output for each piece in context, before normalisation is moot: PCA follows
            vectors[s : s + 1024] = teacher.session.run(
                None, {"input_ids": ids[s : s + 1024], "attention_mask": mask[s : s + 1024]}
            )[0]
        from threadpoolctl import threadpool_limits

        centred = vectors - vectors.mean(axis=0)
        with threadpool_limits(limits=1):  # as the network above: one thread, the same bits everywhere
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
        (tmp / "static.json").write_text(
            json.dumps(
                {
                    "teacher": str(teacher.path),
                    "method": "model2vec-style: in-context piece embeddings, PCA, SIF/Zipf weights",
                    "dims": dims,
                    "sif_coefficient": sif,
                    "vocabulary": size,
                },
                indent=1,
            )
        )
        try:
            os.replace(tmp, folder)
        except OSError:  # another process finished first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        return folder
