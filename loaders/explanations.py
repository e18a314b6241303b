"""Why a movie was recommended: the user's own highly rated movies nearest to it by item vector.

The rule: the candidates are the user's ratings of HIGHLY_RATED stars or more (at most
MAX_CONSIDERED of them: highest rated, then newest first), or an anonymous visitor's liked movies
(the first MAX_CONSIDERED); a recommendation's `because` is the at most k candidates whose item
vectors are closest in angle to its own (cosine > 0, closest first), as `Scorer.nearest_rated`
computes them. Nothing is read or computed until a client asks; then the candidates are read once
per answer and every row of it is explained by one matrix product.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from loaders._common import Database
from loaders.recommendations import select_liked_movie_ids
from ml.scoring import Scorer

HIGHLY_RATED = 4.0  # stars: a rating this high says the user liked the movie
MAX_CONSIDERED = 200  # candidates per answer: bounds the product at 200 x 100 rows
MAX_BECAUSE = 10  # movies per recommendation


class Explanations:
    """The explanations of one answer's movies, for one user (`user_id`) or visitor (`liked`)."""

    def __init__(self, db: Database, scorer: Scorer, movie_ids: Sequence[int], *, user_id: int | None = None,
                 liked: Sequence[int] | None = None) -> None:
        if (user_id is None) == (liked is None):
            raise ValueError("Explanations needs exactly one of user_id and liked")
        self._db, self._scorer, self._movie_ids, self._user_id = db, scorer, list(movie_ids), user_id
        self._liked = None if liked is None else list(dict.fromkeys(liked))[:MAX_CONSIDERED]
        self._nearest: asyncio.Task[dict[int, list[int]]] | None = None

    async def because(self, movie_id: int, k: int) -> list[int]:
        """The ids of at most k (0..MAX_BECAUSE) candidates that pull `movie_id` up the most."""
        # One task for the whole answer, at the largest k (any smaller k is its prefix): every row
        # waits on it and all resume in one loop turn, so their movie loads batch together.
        if self._nearest is None:
            self._nearest = asyncio.ensure_future(self._explain())
            # Seen, so a request that left before the task failed (its deadline) logs nothing more.
            self._nearest.add_done_callback(lambda task: task.cancelled() or task.exception())
        return (await self._nearest).get(movie_id, [])[:k]

    async def _explain(self) -> dict[int, list[int]]:
        liked = self._liked
        if liked is None:
            assert self._user_id is not None
            liked = await select_liked_movie_ids(self._db, self._user_id, HIGHLY_RATED, MAX_CONSIDERED)
        return dict(zip(self._movie_ids, self._scorer.nearest_rated(self._movie_ids, liked, MAX_BECAUSE), strict=True))
