# AVA with the EMD option: the head predicts the 10-bin vote histogram
# (num_bins=10, softmax) and is trained with NIMA's EMD (r = 2) against the
# dataset's normalised histogram (gt_hist); the score is the histogram's
# expectation, mapped to the 1-10 scale. Unlike the released aesthetics
# checkpoint (one output), this head has 10 outputs.
#   python tools/train.py configs/qptv2/iaa_hivit-t_ava_emd.py
_base_ = './iaa_hivit-t_ava.py'
model = dict(
    head=dict(num_bins=10, loss=dict(_delete_=True, type='EMDLoss', r=2.)))
