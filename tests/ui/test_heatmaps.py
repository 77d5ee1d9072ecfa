"""Heatmaps are one picture stretched over the plot: the picture must face the right way and match its legend."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from genai_demo.nets.playground import Network, new_run, points_frame, probability_grid
from genai_demo.ui.nets.neurons import BLUE, ORANGE, perceptron_boundary_chart, region_chart


def _picture(frame) -> np.ndarray:
    """The RGB pixels of a heat_frame row's data URL."""
    url = frame["url"].iloc[0]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")).astype(int)


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])


@pytest.mark.parametrize("weights, orange_side", [((1.0, 0.0), "right"), ((0.0, 1.0), "top")])
def test_the_perceptron_picture_is_orange_where_the_neuron_fires(weights, orange_side):
    """'discount' grows to the right, '!' upwards: the firing side of the line must be drawn there."""
    pixels = _picture(perceptron_boundary_chart(weights, -0.5, "step")["datasets"]["heat"])
    edges = {"left": pixels[:, 0], "right": pixels[:, -1], "top": pixels[0], "bottom": pixels[-1]}
    opposite = {"right": "left", "top": "bottom"}[orange_side]
    assert (edges[orange_side] == _rgb(ORANGE)).all()
    assert (edges[opposite] == _rgb(BLUE)).all()


def test_relu_outputs_above_one_stretch_the_ramp_and_its_legend():
    spec = perceptron_boundary_chart((2.0, 2.0), 0.0, "relu")
    top = spec["params"][0]["value"]
    assert top == pytest.approx(4.0)  # the output at (1, 1)
    pixels = _picture(spec["datasets"]["heat"])
    assert (pixels[0, -1] == _rgb(ORANGE)).all()  # only the largest output reaches full orange
    assert not (pixels[pixels.shape[0] // 2, pixels.shape[1] // 2] == _rgb(ORANGE)).all()


@pytest.mark.parametrize("weights, orange_side", [(((5.0,), (0.0,)), "right"), (((0.0,), (5.0,)), "top")])
def test_the_playground_picture_is_orange_where_the_network_says_orange(weights, orange_side):
    """A network that says 'orange' for x > 0 (or y > 0) only: its picture must be orange on that side."""
    network = Network(hidden_layers=(1,), weights=[np.array(weights), np.array([[5.0]])],
                      biases=[np.zeros(1), np.zeros(1)])
    run = new_run("xor", 40, hidden_layers=(1,), seed=0)
    pixels = _picture(region_chart(probability_grid(network, resolution=20), points_frame(run.data))["datasets"]
                      ["region"])
    edges = {"left": pixels[:, 0], "right": pixels[:, -1], "top": pixels[0], "bottom": pixels[-1]}
    opposite = {"right": "left", "top": "bottom"}[orange_side]
    assert (abs(edges[orange_side] - _rgb(ORANGE)).sum(axis=1) < 30).all()
    assert (abs(edges[opposite] - _rgb(BLUE)).sum(axis=1) < 30).all()
