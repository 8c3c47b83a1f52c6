"""Curate an image collection for QPT V2 pretraining ("HR & HFC" data).

Writes the annotation list that the pretraining dataset reads (one image path
per line, relative to ROOT, sorted), plus a JSON report, a resumable
statistics cache and histograms with the thresholds marked. See
``qpt.datasets.curation`` for the exact definitions.

Examples::

    # SA-1B: short side >= 1024 px, upper half of objects per image
    python tools/data/curate.py data/sa1b --out data/sa1b/ann_hfc.txt \\
        --min-short-side 1024 --min-objects p50

    # a plain folder: resolution plus the edge-coverage PROXY
    python tools/data/curate.py photos --out work/photos.txt \\
        --min-pixels 2e6 --min-coverage p30
"""
import argparse
import logging
import sys

from qpt.datasets.curation import EdgeProxyConfig, curate, format_summary

_THRESHOLD_HELP = ('a number, or pN for the N-th percentile of the '
                   'collection (keep >= it; p50 keeps the upper half)')


def parse_args(argv=None) -> argparse.Namespace:
    defaults = EdgeProxyConfig()
    parser = argparse.ArgumentParser(
        description='Select high-resolution (HR), high-foreground-coverage '
        '(HFC) images and write the pretraining annotation list.',
        epilog='Outputs beside OUT (e.g. ann.txt): ann.report.json (kept / '
        'rejected per reason, thresholds, errors), ann.stats.jsonl (cache: '
        'a re-run skips unchanged files), ann.resolution.png and '
        'ann.foreground.png (histograms, thresholds marked). In folder '
        'format, foreground coverage is a PROXY computed from pixels, not '
        'from annotations: the fraction of 16x16-pixel cells (on the grey '
        'image resized to short side 256) in which at least 5% of the '
        'pixels are Canny edges.',
    )
    parser.add_argument('root', help='the image collection (folder)')
    parser.add_argument(
        '--out', required=True, help='the annotation list to write')
    parser.add_argument(
        '--format',
        choices=('auto', 'sa1b', 'folder'),
        default='auto',
        help='sa1b: a <stem>.json with mask annotations beside each image; '
        'folder: images only; auto (default): sa1b when any image has a '
        'JSON')
    group = parser.add_argument_group('thresholds (' + _THRESHOLD_HELP + ')')
    group.add_argument(
        '--min-short-side', help='min(height, width) in pixels, e.g. 1024')
    group.add_argument(
        '--min-pixels', help='height * width, e.g. 2e6')
    group.add_argument(
        '--min-objects',
        help='SA-1B only: number of mask annotations, e.g. 50 or p50')
    group.add_argument(
        '--min-coverage',
        help='foreground coverage in [0, 1]: SA-1B: union of the masks / '
        'image area; folder: the edge-coverage PROXY')
    group = parser.add_argument_group(
        'foreground coverage PROXY (folder format only; not annotations)')
    group.add_argument(
        '--proxy',
        choices=('edge', 'none'),
        default='edge',
        help='edge (default): compute the edge-coverage proxy (decodes each '
        'image at reduced size); none: resolution only, header reads, no '
        'decoding')
    group.add_argument(
        '--proxy-short-side', type=int, default=defaults.short_side,
        help='grey image short side (px) the proxy works at '
        '(default: %(default)s)')
    group.add_argument(
        '--proxy-cell', type=int, default=defaults.cell,
        help='cell size (px) at that scale (default: %(default)s)')
    group.add_argument(
        '--proxy-canny', type=int, nargs=2, metavar=('LOW', 'HIGH'),
        default=(defaults.canny_low, defaults.canny_high),
        help='Canny hysteresis thresholds on 0..255 grey levels '
        '(default: 50 150)')
    group.add_argument(
        '--proxy-min-edge-density', type=float,
        default=defaults.min_edge_density,
        help='fraction of edge pixels that makes a cell count '
        '(default: %(default)s)')
    group = parser.add_argument_group('run')
    group.add_argument(
        '--workers', type=int, default=None,
        help='processes (default: all CPU cores; 1 = no pool)')
    group.add_argument(
        '--chunksize', type=int, default=None,
        help='images per worker task (default: automatic)')
    group.add_argument(
        '--verify', action='store_true',
        help='decode every image at reduced size to reject truncated files '
        'whose header is intact (the proxy does this anyway)')
    group.add_argument(
        '--cache', default=None,
        help='statistics cache file (default: OUT_STEM.stats.jsonl)')
    group.add_argument(
        '--no-cache', action='store_true', help='do not read or write a cache')
    group.add_argument(
        '--no-plots', action='store_true', help='do not write the PNGs')
    group.add_argument(
        '--save-rejected', action='store_true',
        help='also write OUT_STEM.rejected.txt (path<TAB>reason)')
    group.add_argument(
        '--no-progress', action='store_true', help='no progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format='%(levelname)s: %(message)s')
    proxy = None if args.proxy == 'none' else EdgeProxyConfig(
        short_side=args.proxy_short_side,
        cell=args.proxy_cell,
        canny_low=args.proxy_canny[0],
        canny_high=args.proxy_canny[1],
        min_edge_density=args.proxy_min_edge_density)
    cache = False if args.no_cache else (args.cache or True)
    try:
        result = curate(
            args.root,
            args.out,
            fmt=args.format,
            min_short_side=args.min_short_side,
            min_pixels=args.min_pixels,
            min_objects=args.min_objects,
            min_coverage=args.min_coverage,
            proxy=proxy,
            verify=args.verify,
            workers=args.workers,
            cache=cache,
            chunksize=args.chunksize,
            progress=not args.no_progress,
            plots=not args.no_plots,
            save_rejected=args.save_rejected)
    except (ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(format_summary(result))
    for kind, path in result.outputs.items():
        print(f'  {kind}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
