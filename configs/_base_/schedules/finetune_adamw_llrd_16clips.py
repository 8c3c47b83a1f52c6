# The fine-tuning schedule (finetune_adamw_llrd.py) for the video scorers'
# batch of 16 clips: lr = 1e-3 x total_batch / 256 (1 GPU x 16 clips);
# `tools/train.py --auto-scale-lr` rescales it for another total batch size.
_base_ = ['./finetune_adamw_llrd.py']

optim_wrapper = dict(optimizer=dict(lr=1e-3 * 16 / 256))
auto_scale_lr = dict(base_batch_size=16)
