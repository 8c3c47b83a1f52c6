"""Write the train / val / test split file of a scoring benchmark.

Examples::

    # 10 random 80/20 splits by reference image, 10 % of train as val
    python tools/data/make_splits.py KADID-10k.txt --dataset kadid \
        --out data/splits --num-splits 10 --seed 0 --val-ratio 0.1

    # KonIQ-10k official split (needs koniq10k_distributions_sets.csv)
    python tools/data/make_splits.py koniq10k_distributions_sets.csv \
        --dataset koniq10k --label-format koniq_official --out data/splits

    # no validation part (the no-selection protocol: train, then test the
    # last checkpoint once)
    python tools/data/make_splits.py KADID-10k.txt --dataset kadid \
        --out data/splits --val-ratio 0

    # AVA: official test list, val carved from train
    python tools/data/make_splits.py AVA.txt --dataset ava \
        --test-list generic_test.jpgl --out data/splits

The label file is read by the benchmark's dataset class, so its quirks apply
exactly as in training (LIVE Challenge's 7 training images are dropped). The
protocol is described in ``qpt/datasets/quality/splits.py``. The file is
``<out>/<dataset>_random<N>_seed<S>.json`` or
``<out>/<dataset>_official.json``; configs select a split with ``split_file``
+ ``split_index``.
"""
import argparse
import inspect
import os.path as osp
import sys
from typing import Dict, List, Sequence

from qpt.datasets.quality import (BENCHMARKS, AVADataset, check_split,
                                  get_benchmark, make_official_split,
                                  make_random_splits, save_splits)
from qpt.evaluation.protocol import PROTOCOLS
from qpt.registry import DATASETS


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write a split file (JSON) for a scoring benchmark.')
    parser.add_argument('label_file', help='the label file of the dataset')
    parser.add_argument(
        '--dataset',
        required=True,
        help=f'benchmark name: one of {sorted(BENCHMARKS)} (or an alias)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--protocol',
        choices=['auto', 'random', 'official'],
        default='auto',
        help='official: the split the label file names (KonIQ set column, '
        'pyiqa split column, AVA test list); random: NUM_SPLITS random '
        'splits; auto: official when the label file names one')
    parser.add_argument('--num-splits', type=int, default=10)
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the first split; '
        'split i uses seed + i')
    parser.add_argument('--test-ratio', type=float, default=0.2)
    parser.add_argument(
        '--val-ratio',
        type=float,
        default=0.1,
        help='share of train moved to val (for checkpoint selection); 0: no '
        'val part, the no-selection protocol (train, then test the last '
        'checkpoint once)')
    parser.add_argument(
        '--by-reference',
        choices=['auto', 'yes', 'no'],
        default='auto',
        help='draw reference images instead of images (auto: yes for '
        'synthetic benchmarks)')
    parser.add_argument(
        '--label-format',
        default=None,
        help='label format (default: the benchmark\'s)')
    parser.add_argument('--split-column', default=None,
                        help='split column of a pyiqa CSV')
    parser.add_argument('--test-list', default=None,
                        help='AVA: file of test image ids')
    return parser.parse_args(argv)


def load_records(args: argparse.Namespace) -> List[Dict]:
    """Records (filename, ref, split) as the dataset class reads them."""
    cls = get_benchmark(args.dataset)
    cfg = dict(
        type=cls.__name__,
        ann_file=osp.abspath(args.label_file),
        split='all',
        serialize_data=False)
    if args.label_format:
        cfg['label_format'] = args.label_format
    if args.split_column:
        cfg['split_column'] = args.split_column
    if args.test_list:
        if not issubclass(cls, AVADataset):
            raise SystemExit('--test-list applies to AVA only')
        cfg['test_list'] = osp.abspath(args.test_list)
    dataset = DATASETS.build(cfg)
    return [
        dict(
            filename=info['filename'],
            ref=info.get('ref'),
            split=info.get('official_split'))
        for info in (dataset.get_data_info(i) for i in range(len(dataset)))
    ]


def summarize(splits: Sequence[Dict], records: Sequence[Dict]) -> str:
    ref_of = {r['filename']: r.get('ref') for r in records}
    lines = [f'{"split":>5} {"seed":>5} {"train":>7} {"val":>6} {"test":>6} '
             f'{"test %":>7} {"refs tr/val/te":>15}']
    for i, s in enumerate(splits):
        n = sum(len(s[k]) for k in ('train', 'val', 'test'))
        refs = [len({ref_of[f] for f in s[k] if ref_of.get(f)})
                for k in ('train', 'val', 'test')]
        lines.append(
            f'{i:>5} {s["seed"]:>5} {len(s["train"]):>7} {len(s["val"]):>6} '
            f'{len(s["test"]):>6} {100.0 * len(s["test"]) / max(n, 1):>6.1f}% '
            f'{"/".join(map(str, refs)) if any(refs) else "-":>15}')
    return '\n'.join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    cls = get_benchmark(args.dataset)
    meta = cls.METAINFO
    name = meta['dataset_name']
    records = load_records(args)
    by_ref = dict(auto=meta['synthetic'], yes=True,
                  no=False)[args.by_reference]
    has_split = any(r['split'] for r in records)
    protocol = args.protocol
    if protocol == 'auto':
        protocol = 'official' if has_split else 'random'
        if meta['official_split'] and not has_split:
            print(f'NOTE: {meta["title"]} has an official split but '
                  f'{args.label_file} does not name it; writing random '
                  f'splits. {inspect.getdoc(cls)}', file=sys.stderr)
    if protocol == 'official':
        if not has_split:
            raise SystemExit(f'{args.label_file} names no split; use '
                             '--protocol random')
        unsplit = sum(not r['split'] for r in records)
        if unsplit:
            print(f'NOTE: {unsplit} records have no split and are left out',
                  file=sys.stderr)
        splits = [
            make_official_split(records, args.val_ratio, args.seed, by_ref)
        ]
        file_name = f'{name}_official.json'
    else:
        splits = make_random_splits(records, args.num_splits, args.seed,
                                    args.test_ratio, args.val_ratio, by_ref)
        file_name = f'{name}_random{args.num_splits}_seed{args.seed}.json'
    for s in splits:
        check_split(s, records if protocol == 'random' else None, by_ref)
    selection = 'no-selection' if all(not s['val'] for s in splits) \
        else 'selection'
    path = osp.join(args.out, file_name)
    save_splits(
        path,
        splits,
        dataset=name,
        protocol=protocol,
        by_reference=by_ref,
        test_ratio=args.test_ratio if protocol == 'random' else None,
        val_ratio=args.val_ratio,
        checkpoint_selection=PROTOCOLS[selection],
        label_file=osp.basename(args.label_file))
    print(f'{meta["title"]}: {len(records)} records, protocol {protocol}'
          f'{", by reference" if by_ref else ""}')
    print(summarize(splits, records))
    if selection == 'no-selection':
        print('No validation part: tools/train.py trains without validation '
              'and keeps no best checkpoint; the last checkpoint is tested '
              f'({PROTOCOLS[selection]}).')
    else:
        print(f'Checkpoints: {PROTOCOLS[selection]} (on the val part).')
    print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
