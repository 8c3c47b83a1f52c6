"""Data curation for QPT V2 pretraining: "HR & HFC" (high resolution, high
foreground coverage). Entry point: :func:`curate` (CLI: tools/data/curate.py).
"""
from .foreground_proxy import (EdgeProxyConfig, edge_cell_density,
                               edge_coverage_proxy, read_gray_reduced)
from .histograms import plot_foreground, plot_resolution
from .image_stats import (STATS_VERSION, ImageStats, StatsSettings,
                          annotation_path, compute_image_stats)
from .report import build_report, format_summary, write_report
from .result import THRESHOLD_NAMES, CurationResult
from .runner import (IMAGE_EXTENSIONS, curate, detect_format, output_paths,
                     scan_images, select_images)
from .sa1b_masks import BadAnnotationError, decode_rle_counts, sa1b_mask_stats
from .stats_cache import StatsCache, file_key
from .thresholds import Threshold, parse_threshold

__all__ = [
    'EdgeProxyConfig', 'edge_cell_density', 'edge_coverage_proxy',
    'read_gray_reduced', 'plot_foreground', 'plot_resolution',
    'STATS_VERSION', 'ImageStats', 'StatsSettings', 'annotation_path',
    'compute_image_stats', 'build_report', 'format_summary', 'write_report',
    'THRESHOLD_NAMES', 'CurationResult', 'IMAGE_EXTENSIONS', 'curate',
    'detect_format', 'output_paths', 'scan_images', 'select_images',
    'BadAnnotationError', 'decode_rle_counts', 'sa1b_mask_stats',
    'StatsCache', 'file_key', 'Threshold', 'parse_threshold'
]
