"""Hand the running dataset's metainfo to the model, as MMEngine's loops
hand it to the evaluator."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from qpt.registry import HOOKS

__all__ = ['DatasetMetaHook']


@HOOKS.register_module()
class DatasetMetaHook(Hook):
    """Set ``model.dataset_meta`` to the ``metainfo`` of the dataset a loop
    runs on: the training dataset before training, the validation /
    test dataset before validation / testing.

    MMEngine's ``ValLoop`` / ``TestLoop`` give ``dataset.metainfo`` to the
    evaluator and the visualizer, not to the model; a
    :class:`~qpt.models.QualityScorer` needs it to report ``pred_score`` on
    the dataset's scale (``score_range``, ``lower_better``). A model without
    a ``dataset_meta`` attribute, or a dataset whose metainfo has no
    ``score_range``, is left alone. Checkpoints need no hook: the runner
    saves the training dataset's metainfo as ``meta['dataset_meta']``.
    """

    priority = 'NORMAL'

    def before_train(self, runner) -> None:
        self._hand_over(runner, runner.train_dataloader)

    def before_val(self, runner) -> None:
        self._hand_over(runner, runner.val_dataloader)

    def before_test(self, runner) -> None:
        self._hand_over(runner, runner.test_dataloader)

    @staticmethod
    def _hand_over(runner, dataloader) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        meta = getattr(getattr(dataloader, 'dataset', None), 'metainfo', None)
        if hasattr(model, 'dataset_meta') and meta and \
                meta.get('score_range') is not None:
            model.dataset_meta = meta
