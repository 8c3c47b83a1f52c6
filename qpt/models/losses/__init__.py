from .base_score_loss import BaseScoreLoss
from .batch_score_loss import BatchScoreLoss
from .emd_loss import EMDLoss
from .pairwise_rank_loss import PairwiseRankLoss
from .plcc_loss import PLCCLoss
from .score_l1_loss import ScoreL1Loss
from .score_mse_loss import ScoreMSELoss

__all__ = [
    'BaseScoreLoss', 'BatchScoreLoss', 'EMDLoss', 'PairwiseRankLoss',
    'PLCCLoss', 'ScoreL1Loss', 'ScoreMSELoss'
]
