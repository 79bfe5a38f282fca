#!/usr/bin/env python3
"""Export Minivision's Silent-Face-Anti-Spoofing MiniFASNet weights (Apache-2.0) to ONNX.

A one-time step on a development machine, not run by install or CI: the ONNX files it writes are
committed under models/minifasnet/ with their sha256 (models/minifasnet/SOURCE.md), because the
weights are published only as PyTorch pickles on GitHub, which neither the booth nor CI may reach.

Needs Debian's python3-torch (1.13) and a checkout of the upstream repository:
  /usr/bin/python3 scripts/convert-minifasnet.py UPSTREAM_DIR models/minifasnet
"""
import hashlib
import os
import sys
from collections import OrderedDict

import torch

UPSTREAM, OUT = sys.argv[1], sys.argv[2]
sys.path.insert(0, UPSTREAM)
from src.model_lib.MiniFASNet import MiniFASNetV1SE, MiniFASNetV2  # noqa: E402
from src.utility import get_kernel  # noqa: E402

# file, architecture, crop scale (encoded in the upstream name), input size
MODELS = [
    ("2.7_80x80_MiniFASNetV2.pth", MiniFASNetV2, "minifasnet-v2-2.7.onnx"),
    ("4_0_0_80x80_MiniFASNetV1SE.pth", MiniFASNetV1SE, "minifasnet-v1se-4.0.onnx"),
]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)
for pth, arch, onnx_name in MODELS:
    src = os.path.join(UPSTREAM, "resources", "anti_spoof_models", pth)
    model = arch(conv6_kernel=get_kernel(80, 80))
    state = torch.load(src, map_location="cpu")
    # Trained under DataParallel: keys carry a 'module.' prefix.
    state = OrderedDict((k[7:] if k.startswith("module.") else k, v) for k, v in state.items())
    model.load_state_dict(state)
    model.eval()
    dummy = torch.rand(1, 3, 80, 80) * 255
    dst = os.path.join(OUT, onnx_name)
    torch.onnx.export(
        model, dummy, dst, input_names=["input"], output_names=["logits"], opset_version=11, do_constant_folding=True
    )
    with torch.no_grad():
        ref = torch.nn.functional.softmax(model(dummy), dim=1)[0].tolist()
    print(f"{pth} sha256 {sha256(src)} -> {onnx_name} sha256 {sha256(dst)}; softmax(seeded input) {ref}")
