"""AVA, the image aesthetics (IAA) benchmark."""
from typing import List, Optional

from qpt.registry import DATASETS
from .label_files import load_label_file
from .quality_dataset import QualityDataset

__all__ = ['AVADataset']


@DATASETS.register_module()
class AVADataset(QualityDataset):
    """AVA aesthetics: about 255k images with 10-bin vote histograms (scores
    1-10); the mean vote is ``gt_score``, the normalised histogram
    ``gt_hist`` (for an EMD loss).

    The usual protocol tests on about 20k images of a test list and trains
    on the remaining about 235k, holding out part of train as validation. A
    handful of AVA images are corrupt or missing in most copies.

    Args:
        test_list: file of test image ids (one per line); its images are
            ``split='test'``, all others ``'train'``. Carve a validation part
            from train with a split file (``make_splits.py --protocol
            official``) rather than testing on it.
    """
    METAINFO = dict(
        QualityDataset.METAINFO, dataset_name='ava', title='AVA', task='iaa',
        score_range=(1.0, 10.0), label_format='ava')

    def __init__(self,
                 *args,
                 test_list: Optional[str] = None,
                 **kwargs) -> None:
        self.test_list = test_list
        super().__init__(*args, **kwargs)

    def read_records(self) -> List[dict]:
        test_list = self._resolve(self.test_list) if self.test_list else None
        return load_label_file(
            self.ann_file, label_format='ava', test_list=test_list)
