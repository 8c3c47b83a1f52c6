"""Reference images named in the file names of synthetic IQA sets."""
import os.path as osp
import re
from typing import Optional

__all__ = ['reference_from_filename']

# KADID-10k: I01_01_01.png -> I01.png (reference, distortion, level).
# TID2013:   i01_01_1.bmp  -> i01.bmp (case varies in the release).
# CSIQ:      1600.AWGN.1.png -> 1600.png (reference.distortion.level).
_REF_RULES = {
    'kadid10k': (re.compile(r'^(I\d+)_\d+_\d+\.(\w+)$', re.I),
                 lambda m: f'{m.group(1).upper()}.{m.group(2).lower()}'),
    'tid2013': (re.compile(r'^(i\d+)_\d+_\d+\.(\w+)$', re.I),
                lambda m: f'{m.group(1).lower()}.{m.group(2).lower()}'),
    'csiq': (re.compile(r'^([^.]+)\.[^.]+\.\d+\.(\w+)$'),
             lambda m: f'{m.group(1)}.{m.group(2)}'),
}
_REF_RULE_ALIASES = {'kadid': 'kadid10k', 'tid': 'tid2013'}


def reference_from_filename(filename: str,
                            dataset: str) -> Optional[str]:
    """The reference image a distorted image of ``dataset`` was made from.

    Only KADID-10k, TID2013 and CSIQ encode it in the file name (LIVE does
    not: use its reference column). Returns None when the name does not
    follow the dataset's pattern or the dataset has no rule.
    """
    key = _REF_RULE_ALIASES.get(dataset.lower(), dataset.lower())
    if key not in _REF_RULES:
        return None
    pattern, build = _REF_RULES[key]
    match = pattern.match(osp.basename(filename))
    return build(match) if match else None
