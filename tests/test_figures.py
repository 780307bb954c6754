"""Figures: what a reader must still be able to read when one strategy gridlocks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from stopline.experiments.reports.figures import _clip_outlier


@pytest.mark.parametrize(
    ("heights", "top"),
    [([48.0, 53.0, 474.0], 1.5 * 53.0), ([48.0, 53.0, 120.0], None)],
)
def test_one_gridlocked_bar_is_cut_and_labelled_not_left_to_flatten_the_rest(
    heights: list[float], top: float | None
) -> None:
    figure, axis = plt.subplots()
    axis.bar(["a", "b", "c"], heights)
    before = axis.get_ylim()
    _clip_outlier(axis, heights)
    labels = [text.get_text() for text in axis.texts]
    plt.close(figure)
    if top is None:
        assert axis.get_ylim() == before and not labels
    else:
        assert axis.get_ylim() == (0, top) and labels == ["474 s\n(cut)"]
