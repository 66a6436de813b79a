"""2-d convolution of a batch of multi-channel images with a bank of filters (`T.nnet.conv2d`).

Three ops share one geometry: Conv2d (the forward pass), Conv2dGradInputs and Conv2dGradWeights
(its adjoints in the image and in the filters). Each gradient op's gradient is one of the other
two, so convolutions differentiate any number of times. All three run on numpy: windows of the
padded image are a strided view, and the sums over channels and kernel taps are a tensordot.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes, float_dtypes, upcast
from symgrad.tensor.basic import as_tensor_variable, cast
from symgrad.tensor.shape import shape_i
from symgrad.tensor.type import TensorType


def _pair(value, what: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    pair = tuple(int(v) for v in value)
    if len(pair) != 2:
        raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}")
    return pair


class ConvGeometry:
    """Border mode, strides, dilation and flipping of a convolution, and the numpy kernels."""

    def __init__(self, border_mode, subsample, filter_flip: bool, filter_dilation) -> None:
        if isinstance(border_mode, str) and border_mode not in ("valid", "full", "half"):
            raise ValueError(f"border_mode must be 'valid', 'full', 'half', an int or a pair of "
                             f"ints, got {border_mode!r}")
        if not isinstance(border_mode, str):
            border_mode = _pair(border_mode, "border_mode")
            if min(border_mode) < 0:
                raise ValueError(f"border_mode padding must be non-negative, got {border_mode}")
        self.border_mode = border_mode
        self.subsample = _pair(subsample, "subsample")
        self.filter_dilation = _pair(filter_dilation, "filter_dilation")
        if min(self.subsample) < 1 or min(self.filter_dilation) < 1:
            raise ValueError("subsample and filter_dilation must be positive")
        self.filter_flip = bool(filter_flip)

    def props(self) -> tuple:
        return (self.border_mode, self.subsample, self.filter_flip, self.filter_dilation)

    def dilated(self, k: int, axis: int) -> int:
        return (k - 1) * self.filter_dilation[axis] + 1

    def padding(self, kernel: tuple[int, int]) -> tuple[int, int]:
        if self.border_mode == "valid":
            return 0, 0
        if self.border_mode == "full":
            return tuple(self.dilated(k, a) - 1 for a, k in enumerate(kernel))
        if self.border_mode == "half":
            return tuple(self.dilated(k, a) // 2 for a, k in enumerate(kernel))
        return self.border_mode

    def out_size(self, image: tuple[int, int], kernel: tuple[int, int]) -> tuple[int, int]:
        pad = self.padding(kernel)
        sizes = tuple((image[a] + 2 * pad[a] - self.dilated(kernel[a], a)) // self.subsample[a]
                      + 1 for a in range(2))
        if min(sizes) < 1:
            raise ValueError(f"conv2d: a {kernel} kernel (dilation {self.filter_dilation}) does "
                             f"not fit a {image} image with padding {pad}")
        return sizes

    def _kernel(self, w: np.ndarray) -> np.ndarray:
        return w[..., ::-1, ::-1] if self.filter_flip else w

    def _windows(self, x: np.ndarray, kernel, out) -> np.ndarray:
        """(batch, channels, out_r, out_c, k_r, k_c) view of the padded image."""
        pr, pc = self.padding(kernel)
        xp = np.pad(x, ((0, 0), (0, 0), (pr, pr), (pc, pc))) if pr or pc else x
        span = (self.dilated(kernel[0], 0), self.dilated(kernel[1], 1))
        view = sliding_window_view(xp, span, axis=(2, 3))
        (sr, sc), (dr, dc) = self.subsample, self.filter_dilation
        return view[:, :, ::sr, ::sc, ::dr, ::dc][:, :, :out[0], :out[1]]

    def forward(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        check_channels(x, w)
        kernel = w.shape[2:]
        out = self.out_size(x.shape[2:], kernel)
        win = self._windows(x, kernel, out)
        res = np.tensordot(win, self._kernel(w), axes=([1, 4, 5], [1, 2, 3]))
        return res.transpose(0, 3, 1, 2)

    def grad_weights(self, x: np.ndarray, gz: np.ndarray, kernel) -> np.ndarray:
        out = self.out_size(x.shape[2:], kernel)
        check_out_shape(gz, out)
        win = self._windows(x, kernel, out)
        gw = np.tensordot(gz, win, axes=([0, 2, 3], [0, 2, 3]))
        return self._kernel(gw)

    def grad_inputs(self, gz: np.ndarray, w: np.ndarray, image) -> np.ndarray:
        kernel = w.shape[2:]
        out = self.out_size(image, kernel)
        check_out_shape(gz, out)
        pr, pc = self.padding(kernel)
        (sr, sc), (dr, dc) = self.subsample, self.filter_dilation
        per_tap = np.tensordot(gz, self._kernel(w), axes=([1], [0]))  # b, oh, ow, c, kr, kc
        grad = np.zeros((gz.shape[0], w.shape[1], image[0] + 2 * pr, image[1] + 2 * pc),
                        dtype=per_tap.dtype)
        stop_r, stop_c = (out[0] - 1) * sr + 1, (out[1] - 1) * sc + 1
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                grad[:, :, i * dr:i * dr + stop_r:sr, j * dc:j * dc + stop_c:sc] += \
                    per_tap[..., i, j].transpose(0, 3, 1, 2)
        return grad[:, :, pr:pr + image[0], pc:pc + image[1]]


def check_channels(x: np.ndarray, w: np.ndarray) -> None:
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"conv2d: the input has {x.shape[1]} channels but the filters expect "
                         f"{w.shape[1]} (input shape {x.shape}, filter shape {w.shape})")


def check_out_shape(gz: np.ndarray, out) -> None:
    if tuple(gz.shape[2:]) != tuple(out):
        raise ValueError(f"conv2d gradient: output gradient has spatial shape {gz.shape[2:]}, "
                         f"the convolution produces {tuple(out)}")


def _float4(x, what: str):
    x = as_tensor_variable(x)
    if x.type.ndim != 4:
        raise TypeError(f"conv2d: {what} must be a 4-d tensor (batch, channels, rows, columns "
                        f"for the input; out channels, in channels, rows, columns for the "
                        f"filters), got {x} ({x.type})")
    if x.type.dtype not in float_dtypes and x.type.dtype not in discrete_dtypes:
        raise TypeError(f"conv2d: {what} must be real, got {x.type}")
    return x


def _common_dtype(*xs):
    dtype = upcast(*[x.type.dtype for x in xs])
    if dtype not in float_dtypes:
        dtype = "float64"
    return [x if x.type.dtype == dtype else cast(x, dtype) for x in xs]


class _ConvOp(Op):
    __props__ = ("border_mode", "subsample", "filter_flip", "filter_dilation")

    def __init__(self, border_mode="valid", subsample=(1, 1), filter_flip: bool = True,
                 filter_dilation=(1, 1)) -> None:
        self.geometry = ConvGeometry(border_mode, subsample, filter_flip, filter_dilation)
        (self.border_mode, self.subsample, self.filter_flip,
         self.filter_dilation) = self.geometry.props()

    def _same(self, cls):
        return cls(*self.geometry.props())


class Conv2d(_ConvOp):
    """conv2d(input, filters) -> (batch, out channels, out rows, out columns)."""

    def make_node(self, inputs, filters) -> Apply:
        inputs, filters = _common_dtype(_float4(inputs, "input"), _float4(filters, "filters"))
        bcast = (inputs.type.broadcastable[0], filters.type.broadcastable[0], False, False)
        return Apply(self, [inputs, filters], [TensorType(inputs.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        out = self.geometry.forward(*inputs)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        (batch, _, rows, cols), (n_filters, _, k_rows, k_cols) = shapes
        geo = self.geometry
        sizes = []
        for axis, (n, k) in enumerate(((rows, k_rows), (cols, k_cols))):
            span = (k - 1) * geo.filter_dilation[axis] + 1
            if geo.border_mode == "valid":
                padded = n
            elif geo.border_mode == "full":
                padded = n + 2 * (span - 1)
            elif geo.border_mode == "half":
                padded = n + 2 * (span // 2)
            else:
                padded = n + 2 * geo.border_mode[axis]
            sizes.append((padded - span) // geo.subsample[axis] + 1)
        return [(batch, n_filters, *sizes)]

    def L_op(self, inputs, outputs, output_grads):
        x, w = inputs
        (gz,) = output_grads
        gx = self._same(Conv2dGradInputs)(gz, w, *_spatial(x))
        gw = self._same(Conv2dGradWeights)(x, gz, *_spatial(w))
        return [gx, gw]

    def R_op(self, inputs, eval_points):
        x, w = inputs
        ex, ew = eval_points
        terms = []
        if ex is not None:
            terms.append(self(ex, w))
        if ew is not None:
            terms.append(self(x, ew))
        if not terms:
            return [None]
        return [terms[0] if len(terms) == 1 else terms[0] + terms[1]]


class Conv2dGradInputs(_ConvOp):
    """(output gradient, filters, input rows, input columns) -> gradient wrt the input of
    Conv2d. The image size is an input because strided convolutions of several sizes give
    outputs of the same size."""

    def make_node(self, gz, filters, rows, cols) -> Apply:
        gz, filters = _common_dtype(_float4(gz, "output gradient"), _float4(filters, "filters"))
        rows, cols = _shape_scalar(rows), _shape_scalar(cols)
        bcast = (gz.type.broadcastable[0], filters.type.broadcastable[1], False, False)
        return Apply(self, [gz, filters, rows, cols], [TensorType(gz.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        gz, w, rows, cols = inputs
        out = self.geometry.grad_inputs(gz, w, (int(rows), int(cols)))
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        rows, cols = node.inputs[2:]
        return [(shapes[0][0], shapes[1][1], rows, cols)]

    def connection_pattern(self, node):
        return [[True], [True], [False], [False]]

    def L_op(self, inputs, outputs, output_grads):
        gz, w, _, _ = inputs
        (g,) = output_grads
        # <GradInputs(gz, w), g> = <gz, conv(g, w)> = <w, GradWeights(g, gz)>
        gw = self._same(Conv2dGradWeights)(g, gz, *_spatial(w))
        return [self._same(Conv2d)(g, w), gw, None, None]

    def R_op(self, inputs, eval_points):
        gz, w, rows, cols = inputs
        return [_bilinear_rop(self, gz, w, eval_points[0], eval_points[1], rows, cols)]


class Conv2dGradWeights(_ConvOp):
    """(input, output gradient, filter rows, filter columns) -> gradient wrt the filters of
    Conv2d."""

    def make_node(self, inputs, gz, k_rows, k_cols) -> Apply:
        inputs, gz = _common_dtype(_float4(inputs, "input"), _float4(gz, "output gradient"))
        k_rows, k_cols = _shape_scalar(k_rows), _shape_scalar(k_cols)
        bcast = (gz.type.broadcastable[1], inputs.type.broadcastable[1], False, False)
        return Apply(self, [inputs, gz, k_rows, k_cols], [TensorType(gz.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        x, gz, k_rows, k_cols = inputs
        out = self.geometry.grad_weights(x, gz, (int(k_rows), int(k_cols)))
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        k_rows, k_cols = node.inputs[2:]
        return [(shapes[1][1], shapes[0][1], k_rows, k_cols)]

    def connection_pattern(self, node):
        return [[True], [True], [False], [False]]

    def L_op(self, inputs, outputs, output_grads):
        x, gz, _, _ = inputs
        (g,) = output_grads
        # <GradWeights(x, gz), g> = <gz, conv(x, g)> = <x, GradInputs(gz, g)>
        gx = self._same(Conv2dGradInputs)(gz, g, *_spatial(x))
        return [gx, self._same(Conv2d)(x, g), None, None]

    def R_op(self, inputs, eval_points):
        x, gz, k_rows, k_cols = inputs
        return [_bilinear_rop(self, x, gz, eval_points[0], eval_points[1], k_rows, k_cols)]


def _spatial(x):
    return shape_i(x, 2), shape_i(x, 3)


def _shape_scalar(s):
    s = as_tensor_variable(s)
    if s.type.ndim != 0 or s.type.dtype not in discrete_dtypes:
        raise TypeError(f"a shape entry must be an integer scalar, got {s} ({s.type})")
    return s


def _bilinear_rop(op, a, b, e_a, e_b, *sizes):
    """Forward mode of an op linear in each of its first two inputs."""
    terms = []
    if e_a is not None:
        terms.append(op(e_a, b, *sizes))
    if e_b is not None:
        terms.append(op(a, e_b, *sizes))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


def _check_hint(var, hint, what: str):
    """Check the static shape hint Theano accepts (None entries allowed) at run time."""
    if hint is None:
        return var
    hint = tuple(hint)
    if len(hint) != 4:
        raise ValueError(f"conv2d: {what} must have 4 entries, got {hint!r}")
    return ShapeHint(tuple(None if h is None else int(h) for h in hint), what)(var)


class ShapeHint(Op):
    """Passes its input through unchanged, checking it has the shape the user declared."""

    __props__ = ("expected", "what")

    def __init__(self, expected: tuple, what: str) -> None:
        self.expected = expected
        self.what = what

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        bcast = tuple(b or e == 1 for b, e in zip(x.type.broadcastable, self.expected))
        return Apply(self, [x], [x.type.clone(broadcastable=bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        (x,) = inputs
        if any(e is not None and e != n for e, n in zip(self.expected, x.shape)):
            raise ValueError(f"conv2d: {self.what} was declared as {self.expected} but the "
                             f"value has shape {x.shape}")
        output_storage[0][0] = x

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        return [output_grads[0]]

    def R_op(self, inputs, eval_points):
        return [eval_points[0]]


def conv2d(input, filters, input_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1), filter_flip: bool = True, image_shape=None,
           filter_dilation=(1, 1), num_groups: int = 1, **kwargs):
    """Theano's conv2d: input (batch, channels, rows, cols), filters (out channels, channels,
    rows, cols). border_mode 'valid', 'full', 'half', an int or a pair of paddings; subsample
    the strides; filter_flip=True convolves (False cross-correlates); filter_dilation spreads
    the filter taps. input_shape/filter_shape are optional hints, checked when run."""
    if kwargs:
        raise TypeError(f"conv2d got unexpected arguments {sorted(kwargs)}")
    if num_groups != 1:
        raise NotImplementedError("conv2d with num_groups != 1 is not implemented")
    if image_shape is not None:
        if input_shape is not None:
            raise ValueError("conv2d: pass input_shape or its old name image_shape, not both")
        input_shape = image_shape
    input = _check_hint(_float4(input, "input"), input_shape, "input_shape")
    filters = _check_hint(_float4(filters, "filters"), filter_shape, "filter_shape")
    return Conv2d(border_mode, subsample, filter_flip, filter_dilation)(input, filters)


def conv2d_grad_wrt_inputs(output_grad, filters, input_shape, border_mode="valid",
                           subsample=(1, 1), filter_flip: bool = True, filter_dilation=(1, 1)):
    """The gradient of conv2d wrt its input (a 'transposed convolution')."""
    op = Conv2dGradInputs(border_mode, subsample, filter_flip, filter_dilation)
    return op(output_grad, filters, *_shape_entries(input_shape))


def conv2d_grad_wrt_weights(input, output_grad, filter_shape, border_mode="valid",
                            subsample=(1, 1), filter_flip: bool = True, filter_dilation=(1, 1)):
    """The gradient of conv2d wrt its filters."""
    op = Conv2dGradWeights(border_mode, subsample, filter_flip, filter_dilation)
    return op(input, output_grad, *_shape_entries(filter_shape))


def _shape_entries(full_shape):
    """The last two entries of a shape given as a tuple (of ints or scalars) or a vector."""
    if isinstance(full_shape, (tuple, list)):
        return [as_tensor_variable(np.int64(s)) if isinstance(s, (int, np.integer)) else s
                for s in full_shape[-2:]]
    vec = as_tensor_variable(full_shape)
    return [vec[-2], vec[-1]]


__all__ = ["Conv2d", "Conv2dGradInputs", "Conv2dGradWeights", "conv2d",
           "conv2d_grad_wrt_inputs", "conv2d_grad_wrt_weights"]
