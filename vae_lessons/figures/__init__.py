"""The figures and tables of each lesson, one module per lesson, named after it.

A lesson's cell calls one of these by what it shows (say `bottleneck.repaint_table(...)`) so the
cell holds the idea and the call, not the layout; they draw with `plotting`'s primitives and
say their text through `label` / `tr`, whose Chinese lives in the lesson's catalog.
"""
