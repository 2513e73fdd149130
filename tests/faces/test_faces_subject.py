"""The selfie subject rule: pure geometry on Face records, then synthetic composites through `verify`."""

from __future__ import annotations

import json
import math
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from frontline.faces.composite import Placement, blurred_background, compose_faces
from frontline.faces.detect import detect_faces
from frontline.faces.image import load_image
from frontline.faces.records import Face
from frontline.faces.subject import SubjectConfig, choose_subject, prominence
from frontline.faces.verify import VerifyConfig, verify

HW = (480, 640)


def _face(cx: float, cy: float, size: float, yaw_shift: float = 0.0) -> Face:
    """A square face box centred at (cx, cy) with frontal landmarks; yaw_shift moves the nose sideways."""
    s = size
    pts = (
        (cx - 0.2 * s, cy - 0.1 * s),
        (cx + 0.2 * s, cy - 0.1 * s),
        (cx + yaw_shift * s, cy + 0.05 * s),
        (cx - 0.15 * s, cy + 0.25 * s),
        (cx + 0.15 * s, cy + 0.25 * s),
    )
    return Face((cx - s / 2, cy - s / 2, s, s), pts, 0.9)


def test_single_face_and_no_face() -> None:
    assert choose_subject([], HW).index is None
    one = choose_subject([_face(320, 240, 100)], HW)
    assert one.index == 0 and one.ratio is None


def test_bystanders_never_block_and_order_does_not_matter() -> None:
    subject = _face(320, 240, 160)
    crowd = [_face(80, 100, 70), _face(560, 120, 60), _face(600, 400, 75)]  # all under half its size
    for faces in ([subject, *crowd], [*crowd, subject]):
        choice = choose_subject(faces, HW)
        assert faces[choice.index] is subject if choice.index is not None else False
        assert choice.bystanders == 3 and choice.ratio is None


def test_two_people_side_by_side_are_refused() -> None:
    for other in (1.0, 0.9, 0.8):
        choice = choose_subject([_face(230, 240, 150), _face(410, 240, 150 * other)], HW)
        assert choice.index is None and choice.ratio is not None and choice.ratio < math.sqrt(2)
        assert "similar distance" in choice.reason


def test_edge_and_turned_faces_count_less() -> None:
    central, edge = _face(320, 240, 150), _face(600, 240, 150)
    assert prominence(central, HW) > prominence(edge, HW)
    turned = _face(320, 240, 150, yaw_shift=0.15)
    assert prominence(turned, HW) < prominence(central, HW)
    # an equal-size face in a corner is a bystander by position, one in the middle of the edge is not
    assert choose_subject([central, _face(600, 40, 150)], HW).index == 0
    # a stricter dominance refuses what the default accepts; a looser one accepts side-by-side pairs
    pair = [_face(230, 240, 150), _face(410, 240, 120)]
    assert choose_subject(pair, HW).index is None
    assert choose_subject(pair, HW, SubjectConfig(dominance=1.2)).index == 0


@pytest.fixture(scope="module")
def people(face_models):  # type: ignore[no-untyped-def]
    """Grace Hopper (matplotlib sample data) and the astronaut (scikit-image): two public-domain portraits."""
    import cv2
    from skimage import data

    path = Path(sysconfig.get_paths()["purelib"]) / "matplotlib/mpl-data/sample_data/grace_hopper.jpg"
    if not path.is_file():
        pytest.skip(f"matplotlib's sample photo not found at {path}")
    hopper = load_image(path)[0]
    astro = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    return [(img, detect_faces(img, face_models.detector)[0]) for img in (hopper, astro)]


def _composite(people, *places: Placement) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The first person at the first placement, and so on, on the astronaut's blurred photo."""
    from skimage import data

    bg = blurred_background(data.astronaut()[:, :, ::-1], HW)
    return compose_faces(bg, people[: len(places)], list(places))


def test_dominant_subject_is_used_and_reported(people, face_models) -> None:  # type: ignore[no-untyped-def]
    selfie = _composite(people, Placement(0.5, 0.52, 170), Placement(0.86, 0.25, 70))  # bystander behind
    r = verify(people[0][0], selfie, face_models, VerifyConfig(check_replay=False))
    side = r.selfie_side
    assert side.faces_found == 2 and side.face is not None and side.subject is not None
    x, y, w, h = side.face.bbox_xywh
    assert abs(x + w / 2 - 320) < 40 and abs(y + h / 2 - 250) < 40  # the central, near face
    multi = [i for i in r.issues if i.code == "MULTIPLE_FACES"]
    assert len(multi) == 1 and not multi[0].blocking and "used face" in multi[0].detail
    assert r.match is True  # Hopper's photo as the ID, Hopper as the subject


def test_id_card_held_in_the_selfie_is_a_bystander(people, face_models) -> None:  # type: ignore[no-untyped-def]
    import cv2

    from frontline.faces.idcard import make_card, portrait_crop

    photo, face = people[0]
    selfie = _composite(people, Placement(0.62, 0.42, 130))
    card = make_card(portrait_crop(photo, face), np.random.default_rng(0))
    cw, ch = 300, round(300 * 540 / 856)  # held nearer the camera than the face: 2.3x its width
    selfie[475 - ch : 475, 10 : 10 + cw] = cv2.resize(card, (cw, ch), interpolation=cv2.INTER_AREA)
    r = verify(photo, selfie, face_models, VerifyConfig(check_replay=False))
    assert r.selfie_side.faces_found >= 2 and r.selfie_side.subject is not None  # the card portrait is found
    assert r.selfie_side.subject.index == 0 and r.selfie_side.subject.bystanders >= 1
    assert r.match is True and not any(i.blocking for i in r.issues)


def test_two_equal_central_faces_are_refused_even_if_one_matches(people, face_models) -> None:  # type: ignore[no-untyped-def]
    selfie = _composite(people, Placement(0.36, 0.5, 150), Placement(0.64, 0.5, 150))
    r = verify(people[0][0], selfie, face_models, VerifyConfig(check_replay=False))
    assert r.match is None and r.score is None and r.selfie_side.face is None
    multi = [i for i in r.issues if i.code == "MULTIPLE_FACES"]
    assert len(multi) == 1 and multi[0].blocking and "no clear subject" in multi[0].detail


def test_cli_reports_the_chosen_face(people, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import cv2

    from frontline.cli import app

    id_path, ok_path, pair_path = tmp_path / "id.png", tmp_path / "ok.png", tmp_path / "pair.png"
    cv2.imwrite(str(id_path), people[0][0])
    cv2.imwrite(str(ok_path), _composite(people, Placement(0.5, 0.52, 170), Placement(0.86, 0.25, 70)))
    cv2.imwrite(str(pair_path), _composite(people, Placement(0.36, 0.5, 150), Placement(0.64, 0.5, 150)))
    runner = CliRunner()
    res = runner.invoke(app, ["faces", "verify", str(id_path), str(ok_path), "--json", "--no-replay"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["checks"]["selfie"]["subject"]["index"] == 0 and out["match"] is True
    assert [w["image"] for w in out["warnings"] if w["code"] == "MULTIPLE_FACES"] == ["selfie"]
    res = runner.invoke(app, ["faces", "verify", str(id_path), str(pair_path), "--json", "--no-replay"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["checks"]["selfie"]["subject"]["index"] is None
    assert [e["code"] for e in out["errors"]] == ["MULTIPLE_FACES"]
