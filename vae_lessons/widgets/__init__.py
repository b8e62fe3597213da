"""Live widgets for the lessons: the latent lab, the 2-D pad, the diffusion playground, and a
matplotlib figure that follows its controls.

Built from core ipywidgets (they work on Colab too), plus the small drawing canvas of
`drawing`. Every widget updates `ipywidgets.Image`s in place with fresh PNG bytes: no new
figure per move, no flicker, no plots stacking up in an Output area.
"""

from .core import KL_IMAGES, SLIDER_RANGE, WALK, LiveFigure, Shown, interactive_threads
from .lab import LatentExplorer, LatentPad
from .playground import DiffusionPlayground

__all__ = ["KL_IMAGES", "SLIDER_RANGE", "WALK", "DiffusionPlayground", "LatentExplorer",
           "LatentPad", "LiveFigure", "Shown", "interactive_threads"]
