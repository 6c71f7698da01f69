#!/usr/bin/env bash
# Trains (or resumes) the QM9 model zoo of issue 3, one lane per CPU core.
#   bash scripts/train_zoo.sh big     # SchNet T=6, the model behind most analyses
#   bash scripts/train_zoo.sh small   # DTNN T=3, then the T=1,2,3 comparison models
#   bash scripts/train_zoo.sh flagship   # SchNet T=6 continued (warm restart of the budget decay, EMA)
#   bash scripts/train_zoo.sh dtnn-repeats  # Fig. 3.9: DTNN T=3 on split seeds 1 and 2
#   bash scripts/train_zoo.sh ladder     # Fig. 4.6: SchNet F=30 T=1,2,3,6 and DTNN T=1,2, equal budgets
#   LADDER_SCHNET_T= bash scripts/train_zoo.sh ladder   # its DTNN half only; LADDER_DTNN_T= its SchNet half (two lanes)
#   HOURS_LADDER=3.45 LADDER_SCHNET_T=1 LADDER_DTNN_T= bash scripts/train_zoo.sh ladder   # one rung continued to a
#       larger equal budget (its rate restarts at the budget decay's value there); republish the ladder only once
#       every rung has it (all six rungs reached 3.45 h: 2 h, then 3.45 h, each)
#   bash scripts/train_zoo.sh ema-compare  # SchNet T=3 for 30 min with and without EMA (same seed and split)
#   bash scripts/train_zoo.sh dtnn3      # DTNN T=3 only, to HOURS_DTNN_T3 (default 4 h in all)
#   bash scripts/train_zoo.sh md         # GFN2-xTB MD data and the MD models of issue 7
#   bash scripts/train_zoo.sh md-dtnn    # DTNN MD repetitions (other split seeds) and T = 1, 3 on benzene
#   bash scripts/train_zoo.sh materials  # periodic SchNet T=6 on the FLLA crystals (`insight data fetch flla` first)
#   bash scripts/train_zoo.sh flla-curve # SchNet T=6 on nested FLLA subsets N = 500 ... 3,000, the same budget each
#   CURVE_N="500 3000" bash scripts/train_zoo.sh flla-curve   # some of them (two lanes: split the sizes)
#   bash scripts/train_zoo.sh materials-continue   # schnet-mp continued: linear decay to 0 with EMA weights
#   bash scripts/train_zoo.sh materials-mae        # schnet-mp's setting on the absolute error instead of the squared
# Every run resumes from training-runs/<run>/checkpoint.pt and stops, resumably,
# at its cumulative --hours budget; raise the budget to continue a run later.
# SCHEDULE=budget switches a resumed run to a linear decay of its rate to 0 at the end of its budget; budget runs
# train to the end of it (no early stopping unless --patience is given).
# Publish a run into the zoo with `insight publish training-runs/<run>/best --name <zoo-name>`.
set -euo pipefail
cd "$(dirname "$0")/.."
source .venv/bin/activate

train() {  # train RUN_NAME ARCHITECTURE [insight train options...]
    local run=$1 architecture=$2
    shift 2
    local status=0
    insight train "$architecture" --threads 1 --quiet --schedule "${SCHEDULE:-plateau}" -o "training-runs/$run" --name "$run" "$@" \
        >> "training-runs/$run.out" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        echo "$run stopped with status $status" >> "training-runs/$run.out"
        # Interrupted (Ctrl+C, SIGTERM at the end of a session): stop the lane, not just this run.
        [ "$status" -eq 130 ] && exit 130
    fi
    return 0
}

# DTNN follows Table 3.1's protocol (100k training molecules); SchNet Table 4.2's (110k, 10k validation).
dtnn_protocol=(--n-train 100000 --n-validation 1000 --lr 1e-3)
schnet_protocol=(--n-train 110000 --n-validation 10000 --lr 5e-4)

case "${1:-}" in
    big)
        train schnet-qm9-T6 schnet -T 6 "${schnet_protocol[@]}" --plateau-patience 5 --hours "${HOURS_T6:-5.0}"
        ;;
    small)
        train dtnn-qm9-T3 dtnn -T 3 "${dtnn_protocol[@]}" --plateau-patience 5 --hours "${HOURS_DTNN_T3:-3.05}"
        train dtnn-qm9-T1 dtnn -T 1 "${dtnn_protocol[@]}" --plateau-patience 2 --hours "${HOURS_DTNN_T1:-0.25}"
        train dtnn-qm9-T2 dtnn -T 2 "${dtnn_protocol[@]}" --plateau-patience 2 --hours "${HOURS_DTNN_T2:-0.35}"
        train schnet-qm9-T1 schnet -T 1 "${schnet_protocol[@]}" --plateau-patience 2 --hours "${HOURS_SCHNET_T1:-0.3}"
        train schnet-qm9-T2 schnet -T 2 "${schnet_protocol[@]}" --plateau-patience 2 --hours "${HOURS_SCHNET_T2:-0.35}"
        train schnet-qm9-T3 schnet -T 3 "${schnet_protocol[@]}" --plateau-patience 2 --hours "${HOURS_SCHNET_T3:-0.4}"
        ;;
    flagship)  # issue 14: SchNet T=6 (schnet-qm9) continued by a warm restart of the budget decay, with EMA weights
        SCHEDULE=budget train schnet-qm9-T6 schnet -T 6 "${schnet_protocol[@]}" --ema 0.999 \
            --restart-lr "${RESTART_LR_T6:-2e-4}" --hours "${HOURS_T6:-8.25}"
        ;;
    dtnn-repeats)  # issue 14, Fig. 3.9: DTNN T=3 on other random splits (budget decay, EMA weights)
        for split_seed in ${SPLIT_SEEDS:-1 2}; do
            SCHEDULE=budget train "dtnn-qm9-T3-split$split_seed" dtnn -T 3 "${dtnn_protocol[@]}" --ema 0.999 \
                --split-seed "$split_seed" --seed "$split_seed" --hours "${HOURS_DTNN_REPEAT:-3.0}"
        done
        ;;
    ladder)  # issue 14, Fig. 4.6: SchNet F=30 (60 filters) T = 1, 2, 3, 6 and DTNN T = 1, 2, the same budget each
        for t in ${LADDER_SCHNET_T-1 2 3 6}; do  # LADDER_SCHNET_T= (empty): none
            # Eager (--no-compile), the code path of every rung's earlier hours: equal compute on equal code.
            SCHEDULE=budget train "schnet-qm9-f30-T$t" schnet -T "$t" --set n_features=30 n_filters=60 \
                "${schnet_protocol[@]}" --ema 0.999 --hours "${HOURS_LADDER:-2.0}" --no-compile
        done
        for t in ${LADDER_DTNN_T-1 2}; do  # LADDER_DTNN_T= (empty): none, e.g. for a second lane
            SCHEDULE=budget train "dtnn-qm9-ladder-T$t" dtnn -T "$t" "${dtnn_protocol[@]}" --ema 0.999 \
                --hours "${HOURS_LADDER:-2.0}" --no-compile
        done
        ;;
    ema-compare)  # issue 14: EMA or not, the same 30 min budget (linear decay), seed and split, SchNet T=3
        SCHEDULE=budget train schnet-qm9-T3-no-ema schnet -T 3 "${schnet_protocol[@]}" --seed 0 \
            --hours "${HOURS_EMA_COMPARE:-0.5}"
        SCHEDULE=budget train schnet-qm9-T3-ema schnet -T 3 "${schnet_protocol[@]}" --seed 0 --ema 0.999 \
            --hours "${HOURS_EMA_COMPARE:-0.5}"
        ;;
    dtnn3)  # DTNN T=3 alone, to a larger budget
        train dtnn-qm9-T3 dtnn -T 3 "${dtnn_protocol[@]}" --plateau-patience 5 --hours "${HOURS_DTNN_T3:-4.0}"
        ;;
    md)  # issue 7: GFN2-xTB trajectories, then SchNet T=3 on energies + forces, SchNet T=3 and DTNN T=2 on energies
        for molecule in ${MD_MOLECULES:-ethanol malonaldehyde benzene}; do
            [ -f "$(python -c "from insight.data.md import trajectory_path; print(trajectory_path('$molecule'))")" ] ||
                OMP_NUM_THREADS=1 insight data generate-md "$molecule" --frames 5000 --quiet
        done
        for molecule in ${MD_MOLECULES:-ethanol malonaldehyde benzene}; do
            md_protocol=(--dataset "md:$molecule" --n-train "${MD_N_TRAIN:-1000}" --n-validation 1000 --lr 1e-3 --plateau-patience 25 --patience 100)
            train "schnet-md-$molecule-T3-ef" schnet -T 3 "${md_protocol[@]}" --rho 0.01 --hours "${HOURS_MD_EF:-0.5}"
            train "schnet-md-$molecule-T3-e" schnet -T 3 "${md_protocol[@]}" --hours "${HOURS_MD_E:-0.25}"
            train "dtnn-md-$molecule-T2" dtnn -T 2 "${md_protocol[@]}" --hours "${HOURS_MD_DTNN:-0.25}"
        done
        ;;
    md-dtnn)  # Figs 3.10, 3.11 (DTNN T=2 repetitions on other subsets) and 3.15 (DTNN T=1, 3 on benzene MD)
        for molecule in benzene malonaldehyde; do
            for split_seed in 1 2; do
                train "dtnn-md-$molecule-T2-split$split_seed" dtnn -T 2 --dataset "md:$molecule" --n-train 1000 \
                    --n-validation 1000 --lr 1e-3 --plateau-patience 25 --patience 100 --split-seed "$split_seed" \
                    --hours "${HOURS_MD_DTNN_REPEAT:-0.1}"
            done
        done
        for t in 1 3; do
            train "dtnn-md-benzene-T$t" dtnn -T "$t" --dataset md:benzene --n-train 1000 --n-validation 1000 \
                --lr 1e-3 --plateau-patience 25 --patience 100 --hours "${HOURS_MD_DTNN_T:-0.08}"
        done
        ;;
    materials)
        train schnet-mp-T6 schnet -T 6 --dataset flla --lr 5e-4 --plateau-patience 10 --patience 100 \
            --hours "${HOURS_MP:-2.3}"
        ;;
    flla-curve)  # issue 14: the FLLA learning curve; nested subsets of schnet-mp's split, same validation and test
        for n in ${CURVE_N-500 1000 2000 3000}; do
            SCHEDULE=budget train "schnet-mp-N$n" schnet -T 6 --dataset flla --lr 1e-3 --ema 0.999 \
                --train-subset "$n" --hours "${HOURS_CURVE:-0.25}"
        done
        ;;
    materials-mae)  # issue 14: schnet-mp's setting trained on the absolute error (--loss mae), linear decay to 0, EMA
        SCHEDULE=budget train schnet-mp-T6-mae schnet -T 6 --dataset flla --lr 1e-3 --ema 0.999 \
            --loss mae --hours "${HOURS_MP_MAE:-1.0}"
        ;;
    materials-continue)  # issue 14: schnet-mp (the run below) continued: its rate decays linearly to 0 at 1.65 h, EMA;
        # raising HOURS_MP_EXP later warm-restarts that decay at RESTART_LR_MP (ignored while a budget is running)
        SCHEDULE=budget train schnet-mp-T6-exp schnet -T 6 --dataset flla --lr 1e-3 --ema 0.999 \
            --restart-lr "${RESTART_LR_MP:-3e-4}" --hours "${HOURS_MP_EXP:-1.65}"
        ;;
    materials-thesis-schedule)
        # The thesis' schedule (lr 1e-3, x0.96 every 100k steps) instead of halving on plateaus.
        train schnet-mp-T6-exp schnet -T 6 --dataset flla --lr 1e-3 --schedule exponential --patience 150 \
            --hours "${HOURS_MP_EXP:-0.9}"
        ;;
    *)
        echo "usage: bash scripts/train_zoo.sh big|flagship|dtnn-repeats|ladder|ema-compare|small|dtnn3|md|md-dtnn|materials|materials-continue|flla-curve|materials-thesis-schedule" >&2
        exit 2
        ;;
esac
