#!/usr/bin/env bash
# Build the Colab leg's environment: `scripts/colab_venv.sh MAIN_VENV COLAB_VENV`.
#
# COLAB_VENV gets the package installed under colab-constraints.txt (Colab's own versions of
# ipywidgets, IPython, matplotlib, numpy, pillow, ... ), so a requirement Colab cannot meet
# fails here as it would on Colab. torch and torchvision are borrowed from MAIN_VENV through a
# .pth file (a second multi-GB install otherwise); pip sees them as installed outside the
# environment, so it can neither replace nor delete them.
set -euo pipefail
main=$(cd "$1" && pwd)
colab=$2
python=${PYTHON:-python3}
[ -x "$colab/bin/python" ] || "$python" -m venv "$colab"
colab=$(cd "$colab" && pwd)

main_site=$("$main/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
colab_site=$("$colab/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
borrowed="$colab/borrowed-torch"
rm -rf "$borrowed" && mkdir -p "$borrowed"
for item in "$main_site"/{torch,torchgen,functorch,torchvision,torchvision.libs,triton,nvidia,cuda} \
            "$main_site"/{torch-,torchvision-,triton-,nvidia_,cuda_}*.dist-info; do
    [ -e "$item" ] && ln -s "$item" "$borrowed/"
done
echo "$borrowed" > "$colab_site/borrowed-torch.pth"

# Colab's pins, less torch/torchvision (borrowed above; the test checks them against pyproject).
grep -v -E '^(torch|torchvision)==' colab-constraints.txt > "$colab/constraints.txt"
"$colab/bin/python" -m pip install -q --upgrade pip
"$colab/bin/python" -m pip install -q -c "$colab/constraints.txt" -e . pytest nbval markdown-it-py
"$colab/bin/python" -m pip check
