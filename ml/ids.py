"""External id -> row maps; every array of the model is in the row order of an `IdIndex`."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ml.types import IdArray, IndexArray


class IdIndex:
    """Unique external ids in row order; `rows` finds the row of each id (-1 for an unknown id)."""

    def __init__(self, ids: npt.ArrayLike) -> None:
        self.ids: IdArray = np.ascontiguousarray(ids, dtype=np.int64)
        if self.ids.ndim != 1:
            raise ValueError(f"ids must be one-dimensional, not of shape {self.ids.shape}")
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]
        duplicated = self._sorted[1:][np.diff(self._sorted) == 0]
        if len(duplicated):
            raise ValueError(f"ids repeat: {', '.join(map(str, duplicated[:5]))}")

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, ids: npt.ArrayLike) -> IndexArray:
        """int64 rows of `ids`, in their order; -1 where an id is unknown."""
        wanted = np.asarray(ids, dtype=np.int64)
        if not len(self.ids):
            return np.full(wanted.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, wanted), len(self._sorted) - 1)
        return np.where(self._sorted[at] == wanted, self._order[at], -1).astype(np.int64)

    def row(self, id_: int) -> int | None:
        row = int(self.rows([id_])[0])
        return row if row >= 0 else None
