"""QPT V2 pretraining parts: masking, fusion, decoder placement, loss."""
import numpy as np
import pytest
import torch

from qpt.models import (QPTV2, HiViTMIMDecoder, MIMReconstructionHead,
                        MultiScaleFusionNeck, random_unit_mask)

TINY_HIVIT = dict(
    type='HiViT',
    arch=dict(embed_dims=64, depths=[1, 1, 2], num_heads=2),
    img_size=64,
    pos_embed_type='sincos')


def tiny_model(fusion='sum', **kwargs) -> QPTV2:
    return QPTV2(
        backbone=TINY_HIVIT,
        neck=dict(
            type='MultiScaleFusionNeck',
            in_channels=(16, 32, 64),
            out_channels=32,
            fusion=fusion),
        decoder=dict(
            type='HiViTMIMDecoder',
            in_channels=32,
            embed_dims=32,
            depth=1,
            num_heads=2,
            grid_size=(4, 4)),
        head=dict(type='MIMReconstructionHead', patch_size=16),
        **kwargs)


def test_random_unit_mask_is_a_consistent_permutation():
    ids_keep, ids_restore, mask = random_unit_mask(3, 196, 0.75, 'cpu')
    assert ids_keep.shape == (3, 49) and mask.shape == (3, 196)
    assert (mask.sum(1) == 147).all()
    for b in range(3):
        # visible units are exactly the unmasked ones
        assert set(ids_keep[b].tolist()) == set(
            torch.nonzero(mask[b] == 0).flatten().tolist())
        # ids_restore inverts the shuffle: slot of a kept unit is < L
        assert (ids_restore[b, ids_keep[b]] == torch.arange(49)).all()


def test_seeded_masks_depend_only_on_the_sample_seed():
    a = random_unit_mask(2, 196, 0.75, 'cpu', seeds=[11, 22])[2]
    b = random_unit_mask(3, 196, 0.75, 'cpu', seeds=[5, 22, 11])[2]
    assert torch.equal(a[0], b[2]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], a[1])


def test_decoder_puts_every_visible_token_at_its_own_unit():
    """mmpretrain's MAE decoder shifts HiViT tokens by one slot (it expects
    a class token); ours must place token i exactly at unit ids_keep[i]."""
    decoder = HiViTMIMDecoder(
        in_channels=8, embed_dims=8, depth=0, num_heads=2, grid_size=(4, 4))
    ids_keep, ids_restore, mask = random_unit_mask(2, 16, 0.75, 'cpu')
    x = torch.randn(2, 4, 8)
    seq = decoder.restore_sequence(x, ids_restore)
    for b in range(2):
        for i, unit in enumerate(ids_keep[b].tolist()):
            assert torch.equal(seq[b, unit], x[b, i])
        masked = torch.nonzero(mask[b]).flatten()
        assert torch.equal(seq[b, masked],
                           decoder.mask_token[0].expand(len(masked), 8))

    # End to end (no blocks): changing visible token i changes only the
    # prediction of unit ids_keep[i].
    out = decoder(x, ids_restore)
    x2 = x.clone()
    x2[0, 1] += 1
    changed = (decoder(x2, ids_restore) - out).abs().sum(-1)[0] > 0
    assert torch.nonzero(changed).flatten().tolist() == [ids_keep[0, 1]]


def test_decoder_positions_are_fixed_sincos_without_class_slot():
    decoder = HiViTMIMDecoder(
        in_channels=16, embed_dims=16, depth=0, num_heads=2, grid_size=(4, 4))
    assert decoder.pos_embed.shape == (1, 16, 16)
    assert not any('pos_embed' in n for n, _ in decoder.named_parameters())


@pytest.mark.parametrize('fusion,expected_params', [
    ('sum', 3), ('concat', 1), ('none', 1)])
def test_fusion_neck_shapes(fusion, expected_params):
    neck = MultiScaleFusionNeck((16, 32, 64), (4, 2, 1), 32, fusion)
    feats = (torch.randn(2, 5, 4, 4, 16), torch.randn(2, 5, 2, 2, 32),
             torch.randn(2, 5, 64))
    assert neck(feats).shape == (2, 5, 32)
    linears = [m for m in neck.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == expected_params
    if fusion == 'none':  # stage 3 only: other stages have no influence
        other = (torch.randn_like(feats[0]), torch.randn_like(feats[1]),
                 feats[2])
        assert torch.equal(neck(feats), neck(other))
    else:
        with pytest.raises(ValueError):
            MultiScaleFusionNeck(fusion='mean')


def test_head_patchify_round_trip_and_loss_matches_numpy():
    head = MIMReconstructionHead(patch_size=16, norm_pix=True)
    imgs = torch.randn(2, 3, 32, 48)
    units = head.patchify(imgs)
    assert units.shape == (2, 6, 768)
    assert torch.equal(head.unpatchify(units, (2, 3)), imgs)
    # unit (row 1, col 2) is the pixel block [16:32, 32:48]
    block = imgs[0, :, 16:32, 32:48].permute(1, 2, 0).reshape(-1)
    assert torch.equal(units[0, 5], block)

    pred = torch.randn(2, 6, 768)
    mask = torch.tensor([[1, 0, 1, 0, 0, 1], [0, 0, 0, 1, 1, 1]]).float()
    got = head.per_sample_loss(pred, imgs, mask)
    t = units.numpy().astype(np.float64)
    t = (t - t.mean(-1, keepdims=True)) / np.sqrt(
        t.var(-1, ddof=1, keepdims=True) + 1e-6)
    err = ((pred.numpy() - t)**2).mean(-1)
    want = (err * mask.numpy()).sum(1) / mask.numpy().sum(1)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5)
    assert torch.isclose(head.loss(pred, imgs, mask)['loss'],
                         torch.tensor(want.mean(), dtype=torch.float32))


def test_qptv2_trains_all_parts_and_predicts_deterministically():
    torch.manual_seed(0)
    model = tiny_model()
    model.init_weights()
    degraded, clean = torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64)
    loss = model([degraded, clean], mode='loss')['loss']
    loss.backward()
    for part in ('backbone', 'neck', 'decoder'):
        grads = [p.grad for p in getattr(model, part).parameters()
                 if p.requires_grad]
        assert grads and all(g is not None for g in grads), part
        assert sum(g.abs().sum() for g in grads) > 0, part

    model.eval()
    first = model([degraded, clean], mode='predict')
    second = model([degraded, clean], mode='predict')
    for a, b in zip(first, second):
        assert torch.equal(a.recon_loss, b.recon_loss)
    feats = model(degraded, mode='tensor')
    assert feats[-1].shape == (2, 64, 4, 4)


def _unit_pixels(mask: torch.Tensor, grid, patch: int) -> torch.Tensor:
    """(B, N) unit mask -> (B, 1, H, W) bool pixel mask."""
    m = mask.reshape(mask.shape[0], 1, *grid).bool()
    return m.repeat_interleave(patch, 2).repeat_interleave(patch, 3)


def test_target_view_is_the_second_input():
    """The loss reads the target (second view) on masked units only, and
    the encoder sees the first view on visible units only. Masks in
    ``predict`` are seeded (``eval_mask_seed``), so the masked units are
    known: perturbing the target inside visible units leaves the loss
    unchanged, inside masked units changes it; the reverse holds for the
    encoder view. Swapping the views in ``split_views`` fails both."""
    torch.manual_seed(0)
    model = tiny_model(eval_mask_seed=3).eval()
    source = torch.randn(2, 3, 64, 64)
    target = torch.randn(2, 3, 64, 64)
    _, mask, _, grid = model.reconstruct_units([source, target], None,
                                               training=False)
    masked = _unit_pixels(mask, grid, 16).expand_as(target)
    assert 0 < masked.float().mean() < 1
    bump = 3 * torch.randn_like(target)

    def loss(src, tgt):
        return torch.stack([
            s.recon_loss for s in model([src, tgt], mode='predict')])

    base = loss(source, target)
    # target: only its masked units count
    assert torch.equal(loss(source, torch.where(masked, target,
                                                target + bump)), base)
    changed = loss(source, torch.where(masked, target + bump, target))
    assert (changed - base).abs().min() > 1e-5  # float noise: ~1e-7
    # encoder view: only its visible units count
    assert torch.equal(loss(torch.where(masked, source + bump, source),
                            target), base)
    changed = loss(torch.where(masked, source, source + bump), target)
    assert (changed - base).abs().min() > 1e-5  # float noise: ~1e-7


def test_reconstruct_shapes_and_visible_units_come_from_the_input():
    model = tiny_model().eval()
    x = torch.randn(2, 3, 64, 64)
    out = model.reconstruct([x, x])
    visible = out['mask'] == 0
    assert torch.equal(out['reconstruction'][visible.expand_as(x)],
                       x[visible.expand_as(x)])
    assert torch.equal(out['input'][(~visible).expand_as(x)],
                       torch.zeros_like(x)[(~visible).expand_as(x)])
