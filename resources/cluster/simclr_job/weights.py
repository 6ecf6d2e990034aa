"""safetensors files, read and written with NumPy only: how weights travel between the app and PyTorch.

The state dict keeps PyTorch's names and layouts (`encoder.stem_conv.weight`, [out, in, kh, kw]); the app maps
them onto its own layers when it imports the file."""
import json
import os
import struct

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
NAMES = {np.dtype(v).str: k for k, v in DTYPES.items()}


def read_safetensors(path):
    """(tensors by name as NumPy arrays, metadata dict)."""
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
        data = file.read()
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        blob = array.tobytes()
        header[name] = {"dtype": NAMES[array.dtype.str], "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header["__metadata__"] = {key: str(value) for key, value in metadata.items()}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    temporary = f"{path}.partial"
    with open(temporary, "wb") as file:
        file.write(struct.pack("<Q", len(encoded)))
        file.write(encoded)
        for blob in blobs:
            file.write(blob)
    os.replace(temporary, path)


def model_tensors(model):
    """The float tensors of f and g (weights and batch-norm statistics), on the CPU, as float32 arrays."""
    return {name: value.detach().cpu().float().numpy() for name, value in model.state_dict().items() if value.is_floating_point()}


def load_model_tensors(model, tensors):
    """Loads f and g from a file's tensors; every float tensor the model has must be there with its shape."""
    state = model.state_dict()
    missing = [name for name, value in state.items() if value.is_floating_point() and name not in tensors]
    if missing:
        raise ValueError(f"the weights file lacks {len(missing)} tensors, e.g. {missing[0]}")
    for name, value in state.items():
        if not value.is_floating_point():
            continue
        if tuple(tensors[name].shape) != tuple(value.shape):
            raise ValueError(f"{name}: shape {tuple(tensors[name].shape)} in the file, {tuple(value.shape)} in the model")
        value.copy_(torch.from_numpy(np.array(tensors[name], dtype=np.float32)))
