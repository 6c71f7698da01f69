#!/usr/bin/env bash
# Continue the zoo's training runs on a CUDA machine within one call of under 10 minutes, several runs at once
# on the one GPU, and leave the updated runs in $OUT/runs.tar to bring back (tar -xf runs.tar in the repository).
#
# The device machine has PyTorch but not ase, nor the datasets, and reaches no registry. Prepare once here:
#     bash scripts/train_gpu.sh --prepare        # .gpu/: the ase wheel and the cached datasets (git-ignored)
# then on the device machine, from the repository root, carrying .gpu:
#     bash scripts/train_gpu.sh [RUN ...]         # default: every run whose data is in .gpu/cache
# MINUTES (default 8) bounds the training; each run resumes from training-runs/RUN/checkpoint.pt and its card
# records the hours. What travels to the device is limited (64 MiB with the repository): the QM9 cache
# (94 MB) does not fit beside the repository, so QM9 runs train there only from a slimmer checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--prepare" ]; then
    mkdir -p .gpu/wheels .gpu/cache
    grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
    .venv/bin/python -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
        -d .gpu/wheels "ase==$(.venv/bin/python -c 'import ase; print(ase.__version__)')"
    cache="${INSIGHT_CACHE:-$HOME/.cache/insight}"
    for file in flla_2015.csv flla-v1.npz md; do
        [ -e "$cache/$file" ] && cp -r "$cache/$file" .gpu/cache/
    done
    du -sh .gpu
    exit 0
fi

python="${PYTHON:-python3}"   # the device image's Python with PyTorch
device="${DEVICE:-cuda}"      # DEVICE=cpu PYTHON=.venv/bin/python tries the script here
export PYTHONPATH="$PWD:$PWD/.gpu/site" INSIGHT_CACHE="$PWD/.gpu/cache" PYTHONUNBUFFERED=1
$python -c "import ase" 2>/dev/null ||
    $python -m pip install --quiet --no-deps --no-index --target .gpu/site .gpu/wheels/*.whl
[ "$device" != cuda ] || $python -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name())"

minutes="${MINUTES:-8}"
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
    [ -f .gpu/cache/qm9-v1.npz ] && runs+=(schnet-qm9-T6 dtnn-qm9-T3-split1 dtnn-qm9-T3-split2)
    [ -f .gpu/cache/flla_2015.csv ] && runs+=(schnet-mp-T6)
fi
[ ${#runs[@]} -gt 0 ] || { echo "no runs to train: their data is not in .gpu/cache" >&2; exit 2; }

for run in "${runs[@]}"; do
    # Each run continues its own saved configuration with a budget extended by MINUTES of GPU time.
    hours=$($python -c "
import json, torch
state = torch.load('training-runs/$run/checkpoint.pt', map_location='cpu', weights_only=True)['state']
print(round(state['seconds'] / 3600 + $minutes / 60, 4))")
    architecture=$($python -c "import json; print(json.load(open('training-runs/$run/config.json'))['architecture'])")
    schedule=$($python -c "import json; print(json.load(open('training-runs/$run/config.json'))['lr_schedule'])")
    timeout $((minutes * 60 + 60)) $python -m insight.cli train "$architecture" -o "training-runs/$run" \
        --device "$device" --quiet --schedule "$schedule" --hours "$hours" > "training-runs/$run.out" 2>&1 &
done
wait || true
tail -n 3 training-runs/*.out
tar -cf "${OUT:-.}/runs.tar" $(for run in "${runs[@]}"; do echo "training-runs/$run" "training-runs/$run.out"; done)
echo "updated runs in ${OUT:-.}/runs.tar"
