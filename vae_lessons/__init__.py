"""vae-lessons: from "squeeze a handwritten 7 into 20 numbers" to "how Stable Diffusion draws".

One module per idea: data, models, losses (the foundations, which import nothing else of the
package), then training, checkpoints, plotting, widgets and diffusion built on them, and
`lesson` with the two helpers every notebook calls (setup and exercise checks).
"""

__version__ = "0.1.0"
