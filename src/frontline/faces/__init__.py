"""Face matching: ID document vs selfie, and 1:N gallery search.

Data flow: images -> orientation (image) -> document/portrait (document) -> detect -> subject (the
selfie's person among several faces) -> align -> quality, replay -> embed -> verify (risk threshold
from models/calibration.json) | gallery.search.
File-level verbs for callers and the CLI live in `frontline.faces.api`. Importing this package loads
no model and imports neither torch nor cv2.
"""

__all__: list[str] = []
