#!/usr/bin/env bash
# Kill -9 a fine-tune run at random moments, resume it each time, and compare it with an
# uninterrupted run of the same seed: the loss of every step (one thread: exactly equal) and
# the final test accuracy.
#
#   bash scripts/finetune/kill_resume.sh [KILLS] [MODULE]
#
# KILLS defaults to 5; MODULE to the shared shufflenet_v2_imagenet directory. The data are the
# first 96 / 32 / 32 train / dev / test images of the shared catdog set. Needs build/gohub.
set -euo pipefail
cd "$(dirname "$0")/../.."
kills=${1:-5}
shared=${GOHUB_SHARED:-../shared}
module=${2:-$shared/models/shufflenet_v2_imagenet}
gohub=$PWD/build/gohub
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

data=$work/data
mkdir -p "$data"
src=$(cd "$shared/data/catdog" && pwd)
subset() { head -n "$2" "$src/$1" | sed "s|^|$src/|" > "$data/$1"; }
subset train_list.txt 96
subset validate_list.txt 32
subset test_list.txt 32
cp "$src/label_list.txt" "$data/"

args=(finetune --module "$module" --dataset "$data" --num_epoch 2 --batch_size 8
	--learning_rate 1e-4 --strategy default_finetune --seed 11 --threads 1 --workers 2
	--log_interval 1 --eval_interval 6 --save_ckpt_interval 1)
run() { # run CKPT LOG: one attempt, appending stderr to LOG
	"$gohub" "${args[@]}" --checkpoint_dir "$1" >/dev/null 2>>"$2"
}

# The loss each step logged last (a resumed run repeats the steps after its checkpoint).
curve() { grep -E '^step [0-9]+ / ' "$1" | awk '{print $2, $5}' | sort -n -s -k1,1 | awk '{c[$1]=$2} END {for (s in c) print s, c[s]}' | sort -n; }
testacc() { grep 'test dataset evaluation' "$1" | tail -1 | sed -E 's/.* acc=([0-9.]+).*/\1/'; }

start=$(date +%s)
run "$work/a" "$work/a.log"
took=$(( $(date +%s) - start ))
echo "uninterrupted: $(curve "$work/a.log" | wc -l) steps in ${took}s, test acc $(testacc "$work/a.log")"

for i in $(seq "$kills"); do
	# Started directly, not through a function, so that $! is gohub itself.
	"$gohub" "${args[@]}" --checkpoint_dir "$work/b" >/dev/null 2>>"$work/b.log" &
	pid=$!
	# A moment anywhere in the next stretch of the run: model loading, a step, a checkpoint
	# write, an evaluation (the stretches are short enough that every kill interrupts).
	sleep "$(awk -v s="$RANDOM" -v t="$took" -v k="$kills" 'BEGIN {srand(s); printf "%.2f", 1 + rand() * 1.5 * t / k}')"
	if kill -9 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null || true
		echo "kill $i: at step $(grep -cE '^step [0-9]+ / ' "$work/b.log" || true) logged lines; checkpoint $(ls "$work/b" 2>/dev/null | grep -E '^step_' | tail -1)"
	else
		wait "$pid" || true
		echo "kill $i: the run had finished"
	fi
done
run "$work/b" "$work/b.log"
echo "resumed:       $(curve "$work/b.log" | wc -l) steps, test acc $(testacc "$work/b.log"), $(grep -c 'checkpoint loaded' "$work/b.log" || true) resumes"

if diff <(curve "$work/a.log") <(curve "$work/b.log") >/dev/null; then
	echo "loss curves: identical"
else
	echo "loss curves differ:"
	diff <(curve "$work/a.log") <(curve "$work/b.log") | head -20
	exit 1
fi
if [ "$(testacc "$work/a.log")" != "$(testacc "$work/b.log")" ]; then
	echo "test accuracy differs: the best model was not the same"
	exit 1
fi
echo "test accuracy: identical"
