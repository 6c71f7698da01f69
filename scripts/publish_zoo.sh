#!/usr/bin/env bash
# Publishes the runs of scripts/train_zoo.sh into pretrained/ with their model cards (test errors on the
# recorded test split, evaluated here). Each group is skipped where its run or data is missing.
#   bash scripts/publish_zoo.sh qm9 | dtnn-repeats | ladder | materials | md | md-dtnn
set -euo pipefail
cd "$(dirname "$0")/.."
source .venv/bin/activate

publish() {  # publish RUN ZOO_NAME DESCRIPTION [insight publish options...]
    local run=$1 name=$2 description=$3
    shift 3
    if [ ! -f "training-runs/$run/best/card.json" ]; then
        echo "skipping $name: training-runs/$run has no best model" >&2
        return 0
    fi
    # A run that is still training (or was interrupted) has not written its closing "best model:" line.
    if ! tail -n 1 "training-runs/$run.out" | grep -q "^best model:"; then
        echo "skipping $name: training-runs/$run has not finished its budget (resume it with train_zoo.sh)" >&2
        return 0
    fi
    local hours
    hours=$(python -c "import insight; print(insight.read_card('training-runs/$run/best').training.hours)")
    insight publish "training-runs/$run/best" --name "$name" --description "$description" \
        --status "best model after ${hours} h of training on one CPU core; resumable in training-runs/$run" "$@"
}

md_trajectory() {  # the description of data generated here
    echo "a $1 MD trajectory at 500 K computed with GFN2-xTB (tblite), not DFT"
}

case "${1:-}" in
    qm9)
        publish schnet-qm9-T6 schnet-qm9-t6 "SchNet (T=6, F=64, no cutoff) on QM9 U0, 110k training molecules." \
            --note "Plateau halving of the learning rate for 2.8 h, then the budget schedule (linear decay to 0 at 5.25 h)." \
            --note "Then warm restarts, each decaying linearly to 0, validating and publishing an exponential moving average of the weights (decay 0.999): 2e-4 to 0 at 8.25 h, 1e-4 to 0 at 9.15 h, 1e-4 to 0 at 11.15 h."
        ;;
    dtnn-repeats)  # Fig. 3.9: DTNN T=3 on other random splits of QM9
        for split_seed in 1 2; do
            publish "dtnn-qm9-T3-split$split_seed" "dtnn-qm9-t3-split$split_seed" \
                "DTNN (T=3) on QM9 U0, 100k training molecules of another random split (split seed $split_seed): a repetition for Fig. 3.9." \
                --note "Learning rate 1e-3 decaying linearly to 0 at the end of a 3 h budget, validating and publishing an exponential moving average of the weights (decay 0.999)."
        done
        ;;
    md)
        for molecule in ethanol malonaldehyde benzene; do
            [ -f "$(python -c "from insight.data.md import trajectory_path; print(trajectory_path('$molecule'))")" ] ||
                { echo "skipping $molecule: no trajectory (insight data generate-md $molecule --frames 5000)" >&2; continue; }
            publish "schnet-md-$molecule-T3-ef" "schnet-md-$molecule" \
                "SchNet (T=3) trained on energies and forces (Eq. 5.7, rho = 0.01) of 1,000 frames of $(md_trajectory "$molecule")." \
                --refit-offset --note "Energy offset refitted by least squares on the training frames at publication."
            publish "schnet-md-$molecule-T3-e" "schnet-md-$molecule-energy" \
                "SchNet (T=3) trained on energies only of 1,000 frames of $(md_trajectory "$molecule")."
            publish "dtnn-md-$molecule-T2" "dtnn-md-$molecule" \
                "DTNN (T=2) trained on energies of 1,000 frames of $(md_trajectory "$molecule") (Table 3.2)."
        done
        ;;
    md-dtnn)
        for molecule in benzene malonaldehyde; do
            for split_seed in 1 2; do
                publish "dtnn-md-$molecule-T2-split$split_seed" "dtnn-md-$molecule-split$split_seed" \
                    "DTNN (T=2) on energies of 1,000 other frames (split seed $split_seed) of $(md_trajectory "$molecule"): a repetition for Figs 3.10/3.11."
            done
        done
        for t in 1 3; do
            publish "dtnn-md-benzene-T$t" "dtnn-md-benzene-t$t" \
                "DTNN (T=$t) on energies of 1,000 frames of $(md_trajectory benzene), for Fig. 3.15."
        done
        ;;
    materials)  # Table 4.3: schnet-mp, the FLLA model trained on the absolute error (train_zoo.sh materials-mae)
        publish schnet-mp-T6-mae schnet-mp \
            "Periodic SchNet (T=6, F=64, 5 Å cosine cutoff, neighbour-averaged cfconv of Eq. 4.14, mean pooling) trained on formation energies per atom of the FLLA Materials Project crystals." \
            --note "Data: FLLA, the 3,938 Materials Project crystals in matminer 0.4.0 (\`insight data fetch flla\`). Table 4.3's N = 3,000 training crystals leave 938: 438 for validation (early stopping) and 500 held-out test crystals (the thesis used 1,000 validation crystals drawn from 69k). Split seed 0 (split.npz)." \
            --note "Training: Adam, batch 32, on the absolute error (insight train --loss mae) rather than the thesis' squared error; learning rate 1e-3 decaying linearly to 0 at the end of a 1 h budget, validating and publishing an exponential moving average of the weights (decay 0.999). The best validation error, 0.1260, came at 0.31 h; the rest of the hour overfitted (validation 0.128 at its end, training RMSE 0.01 eV/atom). The same model trained on the squared error, published before, reached validation 0.1274 and test 0.131 only after 1.24 h (training-runs/schnet-mp-T6-exp): formation energy errors are heavy-tailed (validation RMSE 0.22 against MAE 0.13), and the absolute error gives the tail less weight." \
            --note "Baseline on the same split: the sine-matrix kernel ridge regression of Table 4.3 (Laplacian kernel, hyperparameters on the validation set; insight.analysis.baselines) gives 0.366 eV/atom (thesis/Faber et al.: 0.37); predicting the training mean gives 0.88. The test MAE's bootstrap uncertainty over the 500 test crystals is about ±0.009 eV/atom (docs/figures/REPORT.md, Table 4.3)." \
            --note "${EMBEDDING_NOTE:-Embeddings: see docs/figures/REPORT.md, Fig. 4.15.}" \
            --note "Units: formation energy per atom in eV/atom (mean pooling); E_i and local potentials are per-atom energies in eV."
        ;;
    ladder)  # Fig. 4.6: the equal-budget T ladder of train_zoo.sh ladder (each run published once it has finished)
        # The budgets the ladder was raised through, in order; the last must be the one its runs recorded, so the
        # notes cannot drift from what trained.
        LADDER_BUDGETS=${LADDER_BUDGETS:-2 3.45 7 10 13}
        # One check of the runs' recorded budgets and settings, then the rate's history in words (SchNet, DTNN).
        mapfile -t schedule_notes < <(python scripts/ladder_schedule_notes.py training-runs $LADDER_BUDGETS)
        [ "${#schedule_notes[@]}" = 2 ] || exit 1  # the runs disagree with the budgets or each other (message above)
        schnet_schedule=${schedule_notes[0]} dtnn_schedule=${schedule_notes[1]}
        budget=${LADDER_BUDGETS##* }
        LADDER_COMPUTE_NOTE="Equal compute: every rung of the ladder (SchNet T = 1, 2, 3, 6 and DTNN T = 1, 2) trained $budget h of wall-clock time on one single-threaded CPU core, eager (insight train --no-compile, never the compiled step), over several sessions on the eager code of each; the eager path got faster between sessions, and wall-clock hours include slowdowns when other work shared the machine. A deeper model takes fewer steps in those hours: the training record gives the steps to this model, and docs/figures/REPORT.md compares the rungs at equal steps too."
        for t in ${LADDER_SCHNET_T-1 2 3 6}; do  # LADDER_SCHNET_T / LADDER_DTNN_T: some rungs, as in train_zoo.sh
            publish "schnet-qm9-f30-T$t" "schnet-qm9-f30-t$t" \
                "SchNet (T=$t, F=30, 60 filters, no cutoff) on QM9 U0, 110k training molecules: the T ladder of Fig. 4.6, every T with the same budget." \
                --note "$schnet_schedule" --note "$LADDER_COMPUTE_NOTE"
        done
        for t in ${LADDER_DTNN_T-1 2}; do
            stops=()
            [ "$t" = 1 ] && stops=(--note "On its way to 7 h it stopped once, at 4.08 h: the early stopping that budget runs then had (60 epochs without a better validation error) ran out while the rate raised at 3.45 h was still high. It was resumed on the same decay; budget runs now train to the end of their budget.")
            publish "dtnn-qm9-ladder-T$t" "dtnn-qm9-ladder-t$t" \
                "DTNN (T=$t) on QM9 U0, 100k training molecules: the DTNN rungs of the equal-budget T ladder." \
                --note "$dtnn_schedule" --note "$LADDER_COMPUTE_NOTE" "${stops[@]}"
        done
        ;;
    *)
        echo "usage: bash scripts/publish_zoo.sh qm9|dtnn-repeats|ladder|md|md-dtnn" >&2
        exit 2
        ;;
esac
