"""Page normalisation: staff spacing and skew are recovered, the transform maps back, bad files are refused."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from frontline.errors import InputError
from frontline.music.normalize import NormalizeConfig, estimate_staff, load_pages, normalize_page


def _staff_page(space: int = 20, line: int = 2, w: int = 1600, h: int = 1200) -> np.ndarray:
    """White page with 3 five-line staves and filled noteheads, staff space `space` px."""
    im = np.full((h, w), 255, np.uint8)
    rng = np.random.default_rng(0)
    for s in range(3):
        top = 150 + s * 9 * space
        for i in range(5):
            y = top + i * space
            cv2.rectangle(im, (100, y), (w - 100, y + line - 1), 0, -1)
        for k in range(20):
            x, y = 160 + k * 60, top + int(rng.integers(0, 9)) * space // 2
            cv2.ellipse(im, (x, y), (int(space * 0.65), int(space * 0.45)), -20, 0, 360, 0, -1)
    return im


def _rotate(im: np.ndarray, deg: float) -> np.ndarray:
    h, w = im.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    return cv2.warpAffine(im, m, (w, h), borderValue=255)


def test_staff_spacing_recovered() -> None:
    est = estimate_staff(_staff_page(space=20, line=2))
    assert est.found
    assert abs(est.space_px - 20.0) < 0.6
    assert 1.5 <= est.line_px <= 3.0


@pytest.mark.parametrize("deg", [-2.5, 1.5])
def test_deskew_and_rescale(deg: float) -> None:
    page = _rotate(_staff_page(space=20), deg)
    norm = normalize_page(page, NormalizeConfig(target_space_px=10.0))
    assert abs(norm.transform.angle_deg - deg) < 0.3
    assert abs(norm.transform.scale - 0.5) < 0.03
    # staff lines are horizontal again: some row is almost entirely ink across the staff width
    ink_rows = (norm.image < 128).sum(axis=1)
    assert ink_rows.max() > 0.8 * (1400 * norm.transform.scale)


def test_slanted_beams_and_thin_lines_do_not_fake_a_skew() -> None:
    # an unrotated page with thin (1 px) staff lines and many heavy slanted beams: the beams hold most
    # of the ink, so a projection over all ink would rotate the page to straighten them
    page = _staff_page(space=20, line=1)
    for s in range(3):
        top = 150 + s * 9 * 20
        for k in range(0, 18, 2):
            x = 160 + k * 60
            pts = np.array([[x, top - 30], [x + 60, top - 34], [x + 60, top - 24], [x, top - 20]], np.int32)
            cv2.fillPoly(page, [pts], 0)
    norm = normalize_page(page, NormalizeConfig(target_space_px=10.0))
    assert abs(norm.transform.angle_deg) < 0.1


def test_engraved_clean_pages_are_not_rotated(tmp_path: Path) -> None:
    # real engravings from the data engine (300 dpi, no rotation): the all-ink projection used to
    # "deskew" two of these five pages by 0.4 and 1.2 degrees, which broke every staff line apart
    from frontline.music.synth.dataset import SynthConfig, synthesize

    synthesize(SynthConfig(pages=5, out=tmp_path, seed=600, jobs=1, preset="clean", dpi=300, progress=False))
    for png in sorted(tmp_path.glob("page_*.png")):
        norm = normalize_page(load_pages(png)[0])
        assert norm.staff.found
        assert abs(norm.transform.angle_deg) < 0.15, png.name


def test_transform_round_trip() -> None:
    norm = normalize_page(_rotate(_staff_page(space=16), 2.0))
    rng = np.random.default_rng(1)
    pts = rng.uniform(0, 1000, size=(50, 2))
    back = norm.transform.to_original_points(norm.transform.to_normalized_points(pts))
    assert np.allclose(back, pts, atol=1e-6)
    box = norm.transform.to_original_boxes(np.array([[10.0, 20.0, 30.0, 40.0]]))[0]
    assert box[0] < box[2] and box[1] < box[3]


def test_normalised_box_lands_on_the_symbol() -> None:
    page = _staff_page(space=20)
    norm = normalize_page(page)
    # the first notehead in original pixels, mapped forward, covers ink in the normalised image
    x, y = 160.0, 150.0 + int(np.random.default_rng(0).integers(0, 9)) * 10
    nx, ny = norm.transform.to_normalized_points(np.array([[x, y]]))[0]
    assert norm.image[int(round(ny)), int(round(nx))] < 128


def test_staff_found_among_horizontal_clutter() -> None:
    # 900 short horizontal strokes (bleed-through, underlines, hairpins) give more black runs than the
    # staff lines do; the staff must still be found (a dense scan page with support 0.198 had been
    # returned with no staff and so no detections at all)
    page = _staff_page(space=20)
    rng = np.random.default_rng(1)
    for _ in range(900):
        x, y = int(rng.integers(100, 1500)), int(rng.integers(0, 1190))
        cv2.rectangle(page, (x, y), (x + 40, y + 2), 0, -1)
    est = estimate_staff(page)
    assert est.found
    assert abs(est.space_px - 20.0) < 0.6


def test_one_staff_with_dense_stems_on_a_white_page() -> None:
    # a one-staff page: the page median is pure paper, and the stems crossing the staff grey the
    # row averages between its lines by more than a fixed 12-level margin; the staff must not melt
    # into one black run (a clean one-staff tuning page got no detections)
    im = np.full((4000, 3000), 255, np.uint8)
    top = 400
    for i in range(5):
        cv2.line(im, (150, top + 15 * i), (2850, top + 15 * i), 0, 1)
    for x in range(200, 2800, 20):
        cv2.line(im, (x, top - 30), (x, top + 90), 0, 2)
    est = estimate_staff(im)
    assert est.found
    assert abs(est.space_px - 15.0) < 0.5


def test_blank_page_has_no_staff() -> None:
    norm = normalize_page(np.full((800, 600), 255, np.uint8))
    assert not norm.staff.found
    assert norm.warnings and "no staff lines" in norm.warnings[0]


def test_noise_photo_has_no_staff() -> None:
    noise = (np.random.default_rng(0).random((600, 600)) * 255).astype(np.uint8)
    assert not normalize_page(noise).staff.found


def test_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    good = tmp_path / "ok.png"
    Image.fromarray(np.zeros((50, 50), np.uint8)).save(good)
    trunc = tmp_path / "trunc.png"
    trunc.write_bytes(good.read_bytes()[:40])
    huge = tmp_path / "huge.png"
    Image.new("1", (10000, 10000)).save(huge)
    pdf = tmp_path / "empty.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    for bad in (empty, text, trunc, huge, pdf, tmp_path / "missing.png"):
        with pytest.raises(InputError) as err:
            load_pages(bad)
        assert str(bad) in str(err.value) and "object at 0x" not in str(err.value)
    with pytest.raises(InputError, match="not an image file .* look like text"):
        load_pages(text)
    assert load_pages(good)[0].shape == (50, 50)


def test_pdf_pages_load(tmp_path: Path) -> None:
    pdf = tmp_path / "two.pdf"
    a = Image.fromarray(_staff_page())
    a.save(pdf, save_all=True, append_images=[a], resolution=150.0)
    pages = load_pages(pdf, NormalizeConfig(pdf_dpi=72.0))
    assert len(pages) == 2 and pages[0].ndim == 2
