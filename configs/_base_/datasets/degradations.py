# Degradations A(.) of QPT V2 pretraining: every probability and range in one
# place. Data only; the transforms live in qpt/datasets/transforms/
# degradations/. Images are uint8 RGB: intensities and noise sigmas are on
# the 0..255 scale, sizes in pixels, angles in degrees.
#
# The paper (framework figure) lists frequency (blur, sharpen, noise), colour
# (CST, jitter) and geometry (resize) degradations and picks blur + CST,
# composed sequentially in either order. It does not state the ranges or
# probabilities: the per-type ranges below follow Real-ESRGAN's first-order
# settings where one exists, the rest (CST, jitter, probabilities) are ours.
#
# Use in a pipeline, after the crop/flip and before PackInputs:
#     dict(type='DegradationPair', degradation=sequential_degradation,
#          target='clean')
# and `degradation=None` for the no-degradation ablation.

# ---- frequency -----------------------------------------------------------
blur_cfg = dict(
    type='GaussianBlurDegradation',
    prob=0.5,                   # probability of blurring a sample
    kernel_size_range=(7, 21),  # odd kernel side (px), drawn among odd sizes
    sigma_x_range=(0.2, 3.0),   # std along the main axis (px); isotropic std
    sigma_y_range=(0.2, 3.0),   # std across the main axis (px), aniso only
    angle_range=(-90., 90.),    # rotation of anisotropic kernels (degrees)
    iso_prob=0.5)               # probability of an isotropic kernel

sharpen_cfg = dict(
    type='SharpenDegradation',
    prob=0.5,
    sigma_range=(0.5, 2.0),     # unsharp-mask blur std ("radius", px)
    amount_range=(0.5, 1.5),    # gain on the high-pass residual (0: none)
    threshold=10.)              # residuals <= threshold (0..255) untouched

noise_cfg = dict(
    type='NoiseDegradation',
    prob=0.5,
    gaussian_prob=0.5,               # Gaussian vs Poisson noise
    gaussian_sigma_range=(1., 30.),  # Gaussian std on the 0..255 scale
    poisson_scale_range=(0.05, 3.0),  # Poisson variance = scale^2 * value
    gray_prob=0.4)                   # same noise on all three channels

# ---- colour --------------------------------------------------------------
# CST: camera-style colour-space transform in linear RGB (our reading of the
# paper's "CST"): white-balance gains (grey luminance kept), a colour
# correction matrix with rows summing to 1 (grey stays grey), saturation.
cst_cfg = dict(
    type='ColorSpaceTransform',
    prob=0.5,
    ccm_offdiag_range=(-0.15, 0.15),  # each off-diagonal CCM weight
    wb_gain_range=(0.8, 1.25),        # per-channel gain, log-uniform
    saturation_range=(0.7, 1.3))      # 1: unchanged, 0: grey

jitter_cfg = dict(
    type='ColorJitterDegradation',
    prob=0.5,
    brightness=(0.7, 1.3),   # multiplicative factor (1: unchanged)
    contrast=(0.7, 1.3),     # blend with the mean luma (1: unchanged)
    saturation=(0.7, 1.3),   # blend with the pixel luma (1: unchanged)
    hue=(-0.05, 0.05),       # hue rotation in turns of the colour circle
    random_order=True)       # shuffle the four adjustments per sample

# ---- geometry ------------------------------------------------------------
resize_cfg = dict(
    type='ResizeDegradation',
    prob=0.5,
    scale_range=(0.25, 0.9),  # down-scale factor per side, then back up
    interpolations=('area', 'bilinear', 'bicubic'))  # drawn per resize

# ---- compression (not among the paper's candidate types; optional) -------
jpeg_cfg = dict(
    type='JPEGDegradation',
    prob=0.5,
    quality_range=(30, 95))  # JPEG quality, inclusive

# ---- compositions --------------------------------------------------------
# The paper's choice: blur <-> CST, random order, each with its own prob.
sequential_degradation = dict(
    type='SequentialDegradation',
    transforms=[blur_cfg, cst_cfg],
    random_order=True)

# Real-ESRGAN-like: every candidate type, each stage skipped with
# probability skip_prob (a stage that runs still applies its own prob, so a
# stage's overall probability is (1 - skip_prob) * prob), random order per
# pass, fresh parameters per stage, and a second pass of the same stages
# with probability second_order_prob (second_order_transforms=None reuses
# the first-order stages; give a list of milder configs to differ).
advanced_degradation = dict(
    type='AdvancedDegradation',
    transforms=[
        blur_cfg, sharpen_cfg, noise_cfg, cst_cfg, jitter_cfg, resize_cfg
    ],
    skip_prob=0.2,
    shuffle=True,
    second_order_prob=0.5,
    second_order_transforms=None)
