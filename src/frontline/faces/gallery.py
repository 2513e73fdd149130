"""A 1:N face gallery: SQLite holds names, embeddings and enrolment times; FAISS searches them.

The SQLite file (`gallery.db` in the gallery folder) is the source of truth and every change is one
transaction, so a crash never leaves a half-enrolled person. The FAISS index (inner product on
L2-normalised embeddings, i.e. cosine) is rebuilt from SQLite when a gallery is opened and updated in
memory on each change. Raw images are stored only when asked (`keep_images=True`).
Search is open-set: a probe whose best identity scores below the threshold comes back as "unknown".
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from frontline.errors import InputError
from frontline.faces.embed import EMBEDDING_DIM
from frontline.faces.records import Enrolled, Hit

__all__ = ["DB_NAME", "UNKNOWN", "Gallery", "open_gallery", "search_index"]

DB_NAME = "gallery.db"
UNKNOWN = "unknown"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS identities (
    id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, enrolled_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (
    id INTEGER PRIMARY KEY,
    identity_id INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    vector BLOB NOT NULL, created_at TEXT NOT NULL, source TEXT NOT NULL, image BLOB);
"""


def search_index(
    index: object, labels: np.ndarray, probes: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, identity labels) per probe from a FAISS inner-product index; labels[-1] for empty slots."""
    scores, rows = index.search(np.ascontiguousarray(probes, dtype=np.float32), k)  # type: ignore[attr-defined]
    ids = np.where(rows >= 0, labels[np.clip(rows, 0, None)], -1)
    return scores, ids


class Gallery:
    """An open gallery folder; use `open_gallery(path, create=...)` and `close()` (or a `with` block)."""

    def __init__(self, folder: Path, conn: sqlite3.Connection) -> None:
        self.folder = folder
        self.conn = conn
        self._rebuild()

    # -------------------------------------------------------------- index
    def _rebuild(self) -> None:
        import faiss

        rows = self.conn.execute("SELECT identity_id, vector FROM embeddings ORDER BY id").fetchall()
        self._names = dict(self.conn.execute("SELECT id, name FROM identities").fetchall())
        self._counts = dict(
            self.conn.execute("SELECT identity_id, COUNT(*) FROM embeddings GROUP BY identity_id").fetchall()
        )
        self.index = faiss.IndexFlatIP(EMBEDDING_DIM)
        self.labels = np.asarray([r[0] for r in rows], dtype=np.int64)
        if rows:
            vecs = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            self.index.add(np.ascontiguousarray(vecs))

    def __enter__(self) -> Gallery:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    # -------------------------------------------------------------- edits (each one transaction)
    def enroll(
        self, name: str, embeddings: np.ndarray, sources: list[str], images: list[bytes] | None = None
    ) -> int:
        """Add one person's embeddings (N, 128) in one transaction; returns the number stored."""
        if not name.strip():
            raise InputError("the name to enrol is empty; give a non-empty NAME")
        emb = np.asarray(embeddings, dtype=np.float32).reshape(-1, EMBEDDING_DIM)
        emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.conn:  # commits on success, rolls back on any exception
            self.conn.execute(
                "INSERT OR IGNORE INTO identities(name, enrolled_at) VALUES (?, ?)", (name, now)
            )
            (ident,) = self.conn.execute("SELECT id FROM identities WHERE name = ?", (name,)).fetchone()
            for i, vec in enumerate(emb):
                image = images[i] if images else None
                self.conn.execute(
                    "INSERT INTO embeddings(identity_id, vector, created_at, source, image) VALUES (?, ?, ?, ?, ?)",
                    (ident, vec.tobytes(), now, sources[i], image),
                )
        self._rebuild()
        return len(emb)

    def remove(self, name: str) -> int:
        """Delete a person and all their embeddings in one transaction; returns the embeddings removed."""
        with self.conn:
            row = self.conn.execute("SELECT id FROM identities WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise InputError(
                    f"{name!r} is not in the gallery {self.folder}; see `frontline faces gallery list`"
                )
            n = self.conn.execute("DELETE FROM embeddings WHERE identity_id = ?", (row[0],)).rowcount
            self.conn.execute("DELETE FROM identities WHERE id = ?", (row[0],))
        self._rebuild()
        return int(n)

    # -------------------------------------------------------------- queries
    def people(self) -> list[Enrolled]:
        """Every enrolled person with sample count and first enrolment time, by name."""
        rows = self.conn.execute(
            "SELECT i.name, COUNT(e.id), i.enrolled_at FROM identities i "
            "LEFT JOIN embeddings e ON e.identity_id = i.id GROUP BY i.id ORDER BY i.name"
        ).fetchall()
        return [Enrolled(name=r[0], samples=int(r[1]), enrolled_at=r[2]) for r in rows]

    def search(self, probe: np.ndarray, *, top: int = 5, threshold: float = 0.363) -> list[Hit]:
        """The best `top` identities for one probe embedding; the first is UNKNOWN when below threshold.

        Scores are per identity (best of its embeddings). Open set: when no identity reaches the
        threshold the list starts with Hit("unknown", best score, 0) followed by the nearest names.
        """
        if self.index.ntotal == 0:
            return [Hit(UNKNOWN, float("nan"), 0)]
        k = min(self.index.ntotal, max(top * 4, top + 8))
        q = np.asarray(probe, dtype=np.float32).reshape(1, -1)
        q /= max(float(np.linalg.norm(q)), 1e-12)
        scores, ids = search_index(self.index, self.labels, q, k)
        best: dict[int, float] = {}
        for s, i in zip(scores[0], ids[0], strict=True):
            if i >= 0 and (i not in best or s > best[i]):
                best[int(i)] = float(s)
        hits = [
            Hit(self._names[i], s, int(self._counts.get(i, 0)))
            for i, s in sorted(best.items(), key=lambda kv: -kv[1])
        ][:top]
        if not hits or hits[0].score < threshold:
            hits.insert(0, Hit(UNKNOWN, hits[0].score if hits else float("nan"), 0))
        return hits


def open_gallery(folder: str | Path, *, create: bool = False) -> Gallery:
    """Open (or with create=True, make) the gallery in `folder`; a missing or corrupt one is an InputError."""
    path = Path(folder)
    db = path / DB_NAME
    if not db.is_file():
        if not create:
            raise InputError(
                f"no gallery at {path} (missing {DB_NAME}); enrol someone first with `frontline faces enroll`"
            )
        path.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        with conn:
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('model', 'sface-2021dec-int8bq')")
        (model,) = conn.execute("SELECT value FROM meta WHERE key = 'model'").fetchone()
        if model != "sface-2021dec-int8bq":
            raise InputError(f"gallery {path} was built with model {model!r}; re-enrol with this version")
        return Gallery(path, conn)
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"the gallery database {db} is corrupt ({exc}); restore it from a backup or start a new gallery"
        ) from None
