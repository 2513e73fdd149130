"""Which face in a selfie is the person being verified, and when a picture is too ambiguous to say.

A KYC selfie is taken at arm's length by the person who wants to be verified: their face is the
nearest to the camera (the largest), usually near the centre of the frame and looking into the lens.
Other faces are bystanders further back, people at the edge of the frame, a poster, or the ID card
held up next to the face (its portrait is a few centimetres tall, so several times smaller than the
face). `choose_subject` scores every face by geometry alone:

    prominence = size * (1 - centre_weight * offset) * (1 - pose_weight * |yaw| / 90)

size: square root of the box area in pixels (linear size, proportional to 1 / distance to the camera);
offset: distance of the box centre from the image centre over half the image diagonal (0 at the centre,
1 in a corner); yaw: head turn in degrees from the five landmarks (capped at 90). A face less than
`bystander_size` times the largest face's size is at least that much further away: a bystander, never
the subject and never a reason to refuse. Among the others, the most prominent face is the subject
when it is `dominance` times as prominent as the next; otherwise the picture is refused
(MULTIPLE_FACES): two people at about the same distance, side by side, cannot be told apart by an
honest rule.

The rule never looks at the ID portrait. Picking the face most similar to the ID would turn a crowd
photo into N attempts at once (a false-accept rate up to N times the calibrated one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from frontline.faces.quality import pose_from_landmarks
from frontline.faces.records import Face, SubjectChoice

__all__ = ["SubjectConfig", "choose_subject", "prominence"]


@dataclass(frozen=True, slots=True)
class SubjectConfig:
    """Settings of `choose_subject` (the selfie's subject among several faces)."""

    centre_weight: float = 0.5
    """Prominence lost at the image corner (offset 1): a corner face counts half as much as a central one."""
    pose_weight: float = 0.3
    """Prominence lost by a face in full profile (yaw 90 deg) compared with a frontal one."""
    bystander_size: float = 0.5
    """Faces smaller than this share of the largest face's linear size are bystanders (twice as far away)."""
    dominance: float = math.sqrt(2.0)
    """The subject must be this many times as prominent as the next contender (sqrt 2: the 2x-area rule)."""


def prominence(face: Face, image_hw: tuple[int, int], config: SubjectConfig | None = None) -> float:
    """Geometric prominence of one face (pixels of linear size, discounted for offset and head turn)."""
    cfg = config or SubjectConfig()
    h, w = image_hw
    x, y, bw, bh = face.bbox_xywh
    size = math.sqrt(max(bw * bh, 0.0))
    offset = math.hypot(x + bw / 2 - w / 2, y + bh / 2 - h / 2) / max(math.hypot(w, h) / 2, 1e-9)
    yaw = abs(pose_from_landmarks(face.landmarks)[0])
    return (
        size * (1.0 - cfg.centre_weight * min(offset, 1.0)) * (1.0 - cfg.pose_weight * min(yaw, 90.0) / 90.0)
    )


def choose_subject(
    faces: list[Face], image_hw: tuple[int, int], config: SubjectConfig | None = None
) -> SubjectChoice:
    """The selfie's subject among `faces` (any order), or a refusal when no face clearly is.

    `image_hw` is (height, width) of the image the faces were found in. The result's `index` points into
    `faces`; it is None when there is no face or the choice is ambiguous (`reason` says which).
    """
    cfg = config or SubjectConfig()
    if not faces:
        return SubjectChoice(None, (), None, 0, "no face")
    prom = tuple(prominence(f, image_hw, cfg) for f in faces)
    if len(faces) == 1:
        return SubjectChoice(0, prom, None, 0, "one face")
    sizes = [math.sqrt(max(f.area_px, 0.0)) for f in faces]
    largest = max(sizes)
    contenders = [i for i, s in enumerate(sizes) if s >= cfg.bystander_size * largest]
    bystanders = len(faces) - len(contenders)
    contenders.sort(key=lambda i: prom[i], reverse=True)
    best = contenders[0]
    if len(contenders) == 1:
        return SubjectChoice(
            best, prom, None, bystanders, f"the others are under half its size ({bystanders})"
        )
    ratio = prom[best] / max(prom[contenders[1]], 1e-9)
    if ratio >= cfg.dominance:
        return SubjectChoice(
            best,
            prom,
            ratio,
            bystanders,
            f"{ratio:.2f}x as prominent as the next face (needs {cfg.dominance:.2f})",
        )
    return SubjectChoice(
        None,
        prom,
        ratio,
        bystanders,
        f"{len(contenders)} faces at a similar distance; the most prominent is only {ratio:.2f}x the next"
        f" (needs {cfg.dominance:.2f})",
    )
