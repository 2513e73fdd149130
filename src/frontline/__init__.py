"""frontline: deep learning in the wild (music scanning, face matching, game playing, and the lab)."""

__version__ = "0.1.0"
