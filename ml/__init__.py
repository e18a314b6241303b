"""The recommender: features, training, evaluation, the model artifact, request-time scoring in
numpy (`Scorer`, which also decides who a request is scored as: `Scorer.user`), the rating head
with its fold-in, and the holder that swaps a newly trained model in.

May import data/ only (its errors, domain rules, readers for training sets); never loaders/,
schema/ or api/."""
