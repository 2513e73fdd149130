"""Gallery: transactions (never half-written), open-set search, removal, missing and corrupt galleries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from frontline.errors import InputError
from frontline.faces.gallery import UNKNOWN, open_gallery


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 128)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_enroll_search_open_set_and_remove(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    people = _unit(rng, 3)
    with open_gallery(tmp_path / "g", create=True) as g:
        for i, name in enumerate(["ada", "bo", "cy"]):
            g.enroll(name, people[i : i + 1], [f"{name}.jpg"])
        probe = people[1] + 0.3 * _unit(rng, 1)[0]
        hits = g.search(probe, top=2, threshold=0.5)
        assert hits[0].name == "bo" and len(hits) == 2
        stranger = g.search(_unit(rng, 1)[0], threshold=0.5)
        assert stranger[0].name == UNKNOWN
        assert g.remove("bo") == 1
        assert [p.name for p in g.people()] == ["ada", "cy"]
        assert g.search(probe, threshold=0.5)[0].name == UNKNOWN
    # persisted: a fresh open sees the same people and rebuilds the index
    with open_gallery(tmp_path / "g") as g:
        assert [p.samples for p in g.people()] == [1, 1] and g.index.ntotal == 2


def test_failed_enrolment_leaves_nothing_behind(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    with open_gallery(tmp_path, create=True) as g:
        g.enroll("ada", _unit(rng, 1), ["a.jpg"])
        with pytest.raises(IndexError):  # two vectors but one source name: fails half-way through the inserts
            g.enroll("bo", _unit(rng, 2), ["b1.jpg"])
        assert [p.name for p in g.people()] == ["ada"]
        assert g.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 1


def test_missing_and_corrupt_galleries(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no gallery"):
        open_gallery(tmp_path / "none")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "gallery.db").write_bytes(b"garbage" * 100)
    with pytest.raises(InputError, match="corrupt"):
        open_gallery(tmp_path / "bad")
    with (
        open_gallery(tmp_path / "ok", create=True) as g,
        pytest.raises(InputError, match="not in the gallery"),
    ):
        g.remove("nobody")
