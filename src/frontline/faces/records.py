"""Records every face stage returns: faces, documents, quality, attack scores, verdicts, gallery hits.

Conventions: images are BGR uint8 arrays (H, W, 3) as OpenCV reads them; boxes are `bbox_xywh` in pixels
of the image they were found in; landmarks are five (x, y) points in the order right eye, left eye, nose
tip, right mouth corner, left mouth corner (the subject's right/left, i.e. the eye on the image's left
comes first), as YuNet returns them. Similarity scores are cosines in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "HINTS",
    "Issue",
    "issue",
    "Face",
    "Oriented",
    "Document",
    "Quality",
    "Replay",
    "SubjectChoice",
    "Side",
    "Verification",
    "Hit",
    "Enrolled",
]

#: Every problem the pipeline can report, with the one-line hint shown to the user.
HINTS: dict[str, str] = {
    "UNREADABLE_IMAGE": "The file is not a readable JPEG/PNG/WebP photo; send the original camera image.",
    "NO_FACE": "No face was found; take the photo facing the camera, face fully in the frame and well lit.",
    "MULTIPLE_FACES": "More than one face is visible; make sure only one person is in the picture.",
    "NO_DOCUMENT": "No ID card was found; photograph the whole card flat on a plain, darker surface.",
    "FACE_TOO_SMALL": "The face is too small; move closer so the face fills more of the picture.",
    "BLURRY": "The photo is blurred; hold the camera still and let it focus before taking the picture.",
    "TOO_DARK": "The photo is too dark (or too bright); take it in even, brighter light without backlight.",
    "GLARE": "Light reflects on the face; tilt the card or move away from lamps and windows.",
    "POSE": "The head is turned or tilted; look straight into the camera.",
    "EYES_NOT_VISIBLE": "The eyes are not clearly visible; remove sunglasses and keep hair out of the eyes.",
    "SUSPECTED_SCREEN_REPLAY": "This looks like a photo of a screen; take a live selfie with the camera.",
    "SUSPECTED_PRINT_REPLAY": "This looks like a photo of a printed picture; take a live selfie with the camera.",
    "ROTATED": "The photo was rotated and has been corrected; hold the phone upright next time.",
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One named problem found by a stage.

    `blocking` issues make a verdict impossible (exit 1); the others are warnings (e.g. ROTATED,
    corrected). `image` names the input it concerns ("id" or "selfie", "" when not tied to one).
    """

    code: str
    hint: str
    blocking: bool
    image: str = ""
    detail: str = ""


def issue(code: str, *, blocking: bool = True, image: str = "", detail: str = "") -> Issue:
    """An `Issue` with its standard hint (code must be one of `HINTS`)."""
    return Issue(code=code, hint=HINTS[code], blocking=blocking, image=image, detail=detail)


@dataclass(frozen=True, slots=True)
class Face:
    """A detected face: box (x, y, w, h) in pixels, five landmarks (x, y) and the detector confidence."""

    bbox_xywh: tuple[float, float, float, float]
    landmarks: tuple[tuple[float, float], ...]
    score: float

    @property
    def area_px(self) -> float:
        """Box area in square pixels."""
        return self.bbox_xywh[2] * self.bbox_xywh[3]

    @property
    def eye_distance_px(self) -> float:
        """Distance between the two eye landmarks in pixels (the usual face-size measure)."""
        (ax, ay), (bx, by) = self.landmarks[0], self.landmarks[1]
        return float(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5)


@dataclass(frozen=True, slots=True)
class Oriented:
    """An image after orientation correction.

    `rotation_deg` is the clockwise rotation applied to the content (0, 90, 180, 270);
    `exif_transposed` says whether the EXIF orientation tag had already been applied on load.
    `scores` holds the best detector confidence for each tried rotation.
    """

    rotation_deg: int
    exif_transposed: bool
    scores: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Document:
    """Where the card and its portrait are in the (orientation-corrected) document photo.

    `quad_xy` is the card outline (4 corners, clockwise from top-left) or None when no card was found
    and the largest face of the whole image was used instead (`method` = "largest_face").
    """

    found_card: bool
    method: str
    quad_xy: tuple[tuple[float, float], ...] | None
    card_size_px: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class Quality:
    """Face quality measures, each with its unit, and the names of the checks that failed.

    sharpness: variance of the Laplacian on the aligned 112x112 grey face; brightness: mean grey level
    (0-255) of the face; glare_fraction: share of face pixels at or near saturation; eye_distance_px in the
    input image; yaw/roll/pitch in degrees, estimated from the landmarks; eye_contrast: grey-level standard
    deviation inside the eye patches of the aligned face.
    """

    sharpness: float
    brightness: float
    glare_fraction: float
    eye_distance_px: float
    yaw_deg: float
    roll_deg: float
    pitch_deg: float
    eye_contrast: float
    failed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Replay:
    """Presentation-attack scores (softmax probabilities of the replay CNN) and the decided class."""

    p_live: float
    p_screen: float
    p_print: float
    label: str


@dataclass(frozen=True, slots=True)
class SubjectChoice:
    """Which of a selfie's faces is the person being verified (`subject.choose_subject`).

    `index` points into the detector's face list (largest first), None when there is no face or the
    choice is ambiguous (refused as MULTIPLE_FACES); `prominence` holds every face's score in that order
    (pixels of linear size, discounted for distance from the image centre and head turn); `ratio` is the
    chosen (or best) contender's prominence over the next contender's (None with fewer than two
    contenders); `bystanders` counts faces under half the largest one's size; `reason` in words.
    """

    index: int | None
    prominence: tuple[float, ...]
    ratio: float | None
    bystanders: int
    reason: str


@dataclass(frozen=True, slots=True)
class Side:
    """Everything the pipeline found about one input image ("id" or "selfie")."""

    role: str
    oriented: Oriented
    document: Document | None
    face: Face | None
    faces_found: int
    quality: Quality | None
    replay: Replay | None
    subject: SubjectChoice | None = None
    """How the face was picked among several (selfies only; None for an ID or when not run)."""


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict of ID-vs-selfie verification.

    `match` is None when no verdict was possible (a blocking issue); `score` is the cosine similarity
    of the two SFace embeddings, `threshold` the one the calibration table gives for `far`.
    """

    match: bool | None
    score: float | None
    threshold: float
    far: float
    id_side: Side
    selfie_side: Side
    issues: tuple[Issue, ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class Hit:
    """One gallery search result: the identity, its best cosine score and the enrolled sample count."""

    name: str
    score: float
    samples: int


@dataclass(frozen=True, slots=True)
class Enrolled:
    """One gallery identity as listed: name, number of embeddings, first enrolment time (UTC ISO 8601)."""

    name: str
    samples: int
    enrolled_at: str
