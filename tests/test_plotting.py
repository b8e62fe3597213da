"""Figures a class can read and a notebook can afford to keep."""

import io

import matplotlib.pyplot as plt
import PIL.Image
import torch

from vae_lessons.plotting import TILE_INCHES, compact_png, show_images


def test_compact_png_keeps_grey_figures_grey_and_colour_figures_in_a_palette():
    grey, ax = plt.subplots()
    ax.imshow(torch.rand(28, 28), cmap="gray")
    colour, ax = plt.subplots()
    ax.plot([0, 1], [1, 0], color="tab:red")
    for fig, mode in ((grey, "L"), (colour, "P")):
        small = compact_png(fig)
        full = io.BytesIO()
        fig.savefig(full, format="png", bbox_inches="tight")
        image = PIL.Image.open(io.BytesIO(small))
        assert image.mode == mode and image.size == PIL.Image.open(full).size
        assert len(small) < len(full.getvalue())
        plt.close(fig)


def test_show_images_labels_rows_and_columns_and_draws_digits_at_least_twice_native():
    ax = show_images(torch.rand(20, 784), nrow=10, row_labels=["a", "b"], col_labels=list("0123456789"))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert [t.get_text() for t in ax.get_xticklabels()] == list("0123456789")
    ax.figure.canvas.draw()
    pixels_per_digit = ax.get_window_extent().width / 10 * 28 / 30  # each tile is 28 px + 2 padding
    assert pixels_per_digit >= 2 * 28
    assert TILE_INCHES * ax.figure.dpi >= 2 * 28
    plt.close(ax.figure)
