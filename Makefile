# The README's two commands: `make lessons` (set up, open the lessons) and `make test`
# (set up, run every test and every notebook in fast mode). Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Tests read MNIST from VAE_LESSONS_DATA; default: ../shared/data beside the clone, if present.
export VAE_LESSONS_DATA ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),)

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q -e .
	touch $@

# The Colab leg: Colab's own versions (colab-constraints.txt) in a second environment that
# borrows the main one's torch (scripts/colab_venv.sh says why and how).
COLAB_VENV ?= .venv-colab
$(COLAB_VENV)/.installed: colab-constraints.txt pyproject.toml scripts/colab_venv.sh $(VENV)/.installed
	PYTHON=$(PYTHON) bash scripts/colab_venv.sh $(VENV) $(COLAB_VENV)
	touch $@

.PHONY: setup lessons test test-colab notebooks benchmarks
setup: $(VENV)/.installed

# Kernel messages sent at once (TCP_NODELAY): slider round trips of ~16 ms instead of ~51 ms (median).
LAB_OPTIONS ?= --ServerApp.kernel_websocket_connection_class=vae_lessons.lab_server.NoDelayConnection
# LESSONS=zh opens the Chinese edition (中文版: notebooks/zh/).
LESSONS ?= en
lessons: setup
	@echo "Opening the $(if $(filter zh,$(LESSONS)),Chinese edition (中文版),English lessons; for the Chinese edition: make lessons LESSONS=zh)"
	$(BIN)/jupyter lab notebooks/$(if $(filter zh,$(LESSONS)),zh/) $(LAB_OPTIONS) $(if $(filter 0,$(shell id -u)),--allow-root)

test: setup
	VAE_LESSONS_FAST=1 $(BIN)/python -m pytest -q --nbval-lax tests notebooks

# Under Colab's pins (ipywidgets 7.7.1, IPython 7.34, ...): the tests that need no browser or
# JupyterLab, and every notebook of both editions, in fast mode.
COLAB_SKIP := --ignore=tests/test_browser.py --ignore=tests/test_web.py --ignore=tests/test_lab_server.py
test-colab: $(COLAB_VENV)/.installed
	VAE_LESSONS_FAST=1 $(COLAB_VENV)/bin/python -m pytest -q -p no:cacheprovider $(COLAB_SKIP) --nbval-lax tests notebooks

notebooks: setup  # re-run every lesson in full and save the outputs (commit the result)
	$(BIN)/python scripts/run_notebooks.py

benchmarks: setup
	$(BIN)/python benchmarks/train_speed.py
	$(BIN)/python benchmarks/widget_latency.py
	$(BIN)/python benchmarks/browser_latency.py
	$(BIN)/python benchmarks/diffusion_cost.py
