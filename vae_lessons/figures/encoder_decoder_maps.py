"""Lesson 02's 2-D maps, counted (notebooks/02_encoder_decoder.ipynb, section 6): no text here;
the figures and tables that show these numbers are in `encoder_decoder`.

A map is the plane of 2-number codes. The words the lesson defines are counted here: an island
(among the codes nearest a point, one digit has a clear majority), a seam (no digit has), empty
space (no code near) and a hole (the judge is less than 50% sure of what the painter paints).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

Survey = dict[str, torch.Tensor]  # what `survey` finds on one 2-D map


@torch.no_grad()
def survey(model: torch.nn.Module, judge: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor,
           m: int = 29, show: int = 4, near: int = 20, seam: float = 0.7) -> Survey:
    """Encode `images` with a model of 2-number codes (a VAE's code is its centre μ), lay an
    m x m grid over the box of the codes (their middle 99% in each direction),
    decode it and let the judge name each painting; mark the points far from every code (over
    1/20 of the box's diagonal) and the seams (among the `near` codes nearest a point, no digit
    has a share of `seam` or more). Why: the map's islands, seams and holes become numbers.
    `shown` picks every `show`-th point of the grid, row by row, for the figure."""
    codes = model.encode(images)
    codes = codes[0] if isinstance(codes, tuple) else codes     # the VAE: (μ, log σ²)
    lo, hi = codes.quantile(0.005, dim=0), codes.quantile(0.995, dim=0)
    t = torch.linspace(0, 1, m, device=codes.device)
    col, row = torch.meshgrid(t, t.flip(0), indexing="xy")     # row by row, top row first
    z = lo + (hi - lo) * torch.stack([col.reshape(-1), row.reshape(-1)], dim=1)
    paintings = model.decode(z)
    probs = torch.softmax(judge(paintings), dim=1)
    distance = torch.cdist(z, codes)                            # from every grid point to every code
    nearest = distance.topk(near, dim=1, largest=False).indices  # the `near` nearest codes
    votes = F.one_hot(labels[nearest], 10).sum(dim=1)           # their digits, counted
    keep = [r * m + c for r in range(0, m, show) for c in range(0, m, show)]
    return {"codes": codes, "lo": lo, "hi": hi, "z": z, "paintings": paintings,
            "sure": probs.max(dim=1).values, "named": probs.argmax(dim=1),
            "empty": distance.min(dim=1).values > (hi - lo).norm() / 20,
            "seam": votes.max(dim=1).values < seam * near, "nearest_digit": labels[nearest[:, 0]],
            "shown": keep, "side": len(range(0, m, show)), "settings": {"m": m, "near": near, "majority": seam}}


@torch.no_grad()
def map_shares(s: Survey, paintings: torch.Tensor, judge: torch.nn.Module) -> dict[str, object]:
    """The shares `figures.encoder_decoder.map_statistics` prints for one map: where the codes lie,
    what the judge sees in `paintings` (that painter's from z ~ N(0, I)), where the holes are."""
    probs = torch.softmax(judge(paintings), dim=1)
    unsure, empty = s["sure"] < 0.5, s["empty"]
    seam, island = s["seam"] & ~empty, ~s["seam"] & ~empty

    def share(where: torch.Tensor) -> float:
        return where.float().mean().item() if where.any() else float("nan")

    f = {"inside": (s["codes"].norm(dim=1) < 2).float().mean().item(),
         "random_sure": probs.max(dim=1).values.mean().item(),
         "digits": torch.bincount(probs.argmax(dim=1), minlength=10).tolist(),
         "random_holes": (probs.max(dim=1).values < 0.5).float().mean().item(),
         "empty": share(empty), "seam": share(seam), "island": share(island), "unsure": share(unsure),
         "holes_on_seam": share(seam[unsure]),
         "unsure_empty": share(unsure[empty]), "unsure_occupied": share(unsure[~empty]),
         "unsure_seam": share(unsure[seam]), "unsure_island": share(unsure[island]),
         "sure_empty": s["sure"][empty].mean().item() if empty.any() else float("nan"),
         "nearest_empty": share((s["named"] == s["nearest_digit"])[empty])}
    f["kinds"] = sum(n > 0 for n in f["digits"])              # digits seen at least once
    f["commonest"] = max(f["digits"]) / len(paintings)        # the share of the commonest one
    return f
