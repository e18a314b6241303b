"""Names for the array shapes the ml package passes around (dtype noted; shapes in each docstring)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IdArray = npt.NDArray[np.int64]  # external ids: TMDB movie ids, ratings-source user ids
IndexArray = npt.NDArray[np.int64]  # row numbers into an id order
FloatArray = npt.NDArray[np.float32]  # vectors, biases, scores, ratings
BoolArray = npt.NDArray[np.bool_]
