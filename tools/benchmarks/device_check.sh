#!/usr/bin/env bash
# Device check: the GPU numbers of QPT V2 and of mmpretrain's MAE-HiViT
# tiny in one table, for the day a GPU machine is at hand (under 8 minutes on
# one GPU).
#
#   bash tools/benchmarks/device_check.sh             # one CUDA GPU, AMP
#   bash tools/benchmarks/device_check.sh --dry-run   # CPU, tiny sizes (CI)
#
# Rows (each check runs under its own time limit; a failed or missing check
# prints "failed" / "not available" in its row, the log is kept):
#   pretrain step     AMP, batch 256: steps/s, samples/s, peak GiB, with and
#                     without the relative position bias, torch.compile'd,
#                     and mmpretrain's MAEHiViT tiny        (pretrain_step.py)
#   GPU data path     device JPEG decode + degradation, samples/s
#                                                           (pretrain_data.py)
#   dist_train        a 1-process tools/dist_train.sh run of a few iterations
#                     (NCCL on a GPU, gloo on the CPU), s/iter
#   IQA fine-tune     AMP training steps of the image scorer, batch 64
#   VQA inference     AMP, 4 clips of 3136 tokens            (finetune_step.py)
#
# --dry-run runs the same commands on the CPU with tiny sizes (batch 2, one
# step, no AMP, no compile, gloo), so that CI keeps this script working.
# Environment: PYTHON (default python), KEEP=DIR to keep the logs there.
set -u
DRY=0
for arg in "$@"; do
    case "$arg" in
        --dry-run) DRY=1 ;;
        *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
    esac
done
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON=${PYTHON:-python}
OUT=${KEEP:-$(mktemp -d)}
mkdir -p "$OUT"
PHOTOS="$ROOT/../shared/data/images/hr_photos"
BENCH="$ROOT/tools/benchmarks"
cd "$ROOT"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONWARNINGS=ignore

if [ "$DRY" = 1 ]; then
    DEVICE=cpu
    PRETRAIN=(--dry-run --threads "${THREADS:-2}")
    DATA=(--device cpu --dry-run)
    FINETUNE=(--dry-run --threads "${THREADS:-2}")
    DIST=(train_dataloader.batch_size=2 train_dataloader.num_workers=0
          train_cfg.max_iters=2)
    LIMIT=(300 300 300 300)
else
    DEVICE=cuda
    PRETRAIN=(--device cuda --amp --batch-size 256 --iters 5 --repeats 3
              --compile)
    DATA=(--device cuda)
    FINETUNE=(--device cuda --amp --batch-size 64 --clips 4 --iters 5
              --repeats 3)
    DIST=(train_dataloader.batch_size=64 train_dataloader.num_workers=8
          train_cfg.max_iters=20)
    LIMIT=(210 75 90 90)
fi

# run NAME LIMIT CMD...: log to $OUT/NAME.log, exit status to $OUT/NAME.rc
run() {
    local name=$1 limit=$2
    shift 2
    echo "[device_check] $name: $*" >&2
    local start=$SECONDS
    timeout --kill-after=10 "$limit" "$@" > "$OUT/$name.log" 2>&1
    echo $? > "$OUT/$name.rc"
    echo "[device_check] $name: exit $(cat "$OUT/$name.rc"), " \
        "$((SECONDS - start)) s" >&2
}

run pretrain "${LIMIT[0]}" "$PYTHON" "$BENCH/pretrain_step.py" \
    "${PRETRAIN[@]}" --json "$OUT/pretrain.json"
if [ -f "$BENCH/pretrain_data.py" ]; then
    run data "${LIMIT[1]}" "$PYTHON" "$BENCH/pretrain_data.py" "${DATA[@]}"
else
    echo "tools/benchmarks/pretrain_data.py is not in this checkout" \
        > "$OUT/data.log"
    echo missing > "$OUT/data.rc"
fi
PORT=${PORT:-$((29500 + $$ % 1000))} run dist "${LIMIT[2]}" \
    bash tools/dist_train.sh configs/qptv2/pretrain_hivit_demo.py 1 \
    --work-dir "$OUT/dist" --no-validate --cfg-options \
    train_dataloader.dataset.data_root="$PHOTOS" \
    train_dataloader.dataset.data_prefix.img_path= \
    default_hooks.logger.interval=1 default_hooks.checkpoint.interval=1000 \
    custom_hooks=[] "${DIST[@]}"
run finetune "${LIMIT[3]}" "$PYTHON" "$BENCH/finetune_step.py" \
    "${FINETUNE[@]}" --json "$OUT/finetune.json"

"$PYTHON" - "$OUT" "$DEVICE" "$DRY" <<'EOF'
import glob
import json
import os.path as osp
import statistics
import sys

out, device, dry = sys.argv[1], sys.argv[2], sys.argv[3] == '1'


def status(name):
    rc = open(osp.join(out, name + '.rc')).read().strip()
    if rc == '0':
        return None
    if rc == 'missing':
        return 'not available'
    return 'timed out' if rc in ('124', '137') else f'failed (exit {rc})'


def load(name):
    path = osp.join(out, name + '.json')
    if status(name) is None and osp.exists(path):
        return {r['model']: r for r in json.load(open(path))['rows']}
    return {}


def fmt(row, unit='samples'):
    if row is None:
        return '-'
    per_s = row.get('samples_per_s', row.get('per_s'))
    text = f'{row["steps_per_s"]:.2f} step/s, {per_s:.1f} {unit}/s'
    if row.get('peak_gib') is not None:
        text += f', {row["peak_gib"]:.1f} GiB'
    return text


rows = []  # (check, qpt, mmpretrain, note)
pre = load('pretrain')
mm = pre.get('mmpretrain MAEHiViT')
if pre:
    for name, label in (('qpt (fusion, rpe)', 'rpe'),
                        ('qpt (fusion, no rpe)', 'no rpe'),
                        ('qpt (fusion, rpe) compiled', 'rpe, compiled')):
        if name in pre:
            r = pre[name]
            rows.append((f'pretrain step ({label})', fmt(r), fmt(mm),
                         f'ratio {r["ratio"]:.2f} '
                         f'({r["ratio_min"]:.2f}-{r["ratio_max"]:.2f})'))
else:
    rows.append(('pretrain step', status('pretrain') or 'no result', '-',
                 'pretrain.log'))

data_status = status('data')
data_log = open(osp.join(out, 'data.log')).read().strip().splitlines()
device_lines = [ln for ln in data_log if ln.startswith('device side')]
if data_status is None and data_log:
    rows.append(('data path (device decode+degrade)',
                 (device_lines or data_log)[-1], '-',
                 f'CPU path: {data_log[-1]}'))
else:
    rows.append(('data path (device decode+degrade)',
                 data_status or 'no output', '-', 'data.log'))

dist_status = status('dist')
times = []
for log in glob.glob(osp.join(out, 'dist', '*', 'vis_data', 'scalars.json')):
    for line in open(log):
        rec = json.loads(line)
        if 'time' in rec:
            times.append(rec['time'])
backend = 'gloo' if device == 'cpu' else 'nccl'
if dist_status is None and times:
    rows.append((f'dist_train.sh, 1 process ({backend})',
                 f'ok, {len(times)} iters, '
                 f'{statistics.median(times):.3f} s/iter', '-',
                 'median iteration time'))
else:
    rows.append((f'dist_train.sh, 1 process ({backend})',
                 dist_status or 'no iterations logged', '-', 'dist.log'))

ft = load('finetune')
names = list(ft)
if len(names) == 4:
    rows.append(('IQA fine-tune step', fmt(ft[names[0]]),
                 fmt(ft[names[1]]), f'ratio {ft[names[0]]["ratio"]:.2f}'))
    rows.append(('VQA inference (3136 tokens/clip)',
                 fmt(ft[names[2]], 'clips'), fmt(ft[names[3]], 'clips'),
                 f'ratio {ft[names[2]]["ratio"]:.2f}'))
else:
    rows.append(('IQA fine-tune step', status('finetune') or 'no result',
                 '-', 'finetune.log'))
    rows.append(('VQA inference (3136 tokens/clip)',
                 status('finetune') or 'no result', '-', 'finetune.log'))

title = (f'Device check on {device}' +
         (' (--dry-run: tiny sizes, no AMP)' if dry else ', AMP'))
header = ('check', 'qpt', 'mmpretrain MAE-HiViT-T', 'note')
widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
print(f'\n{title}; logs in {out}')
line = ' | '.join(h.ljust(w) for h, w in zip(header, widths))
print(line)
print('-' * len(line))
for r in rows:
    print(' | '.join(c.ljust(w) for c, w in zip(r, widths)))
failed = [n for n in ('pretrain', 'dist', 'finetune', 'data')
          if status(n) not in (None, 'not available')]
if failed:
    print(f'failed checks: {", ".join(failed)} (logs in {out})')
    sys.exit(1)
EOF
