import numpy as np

from ml.rating_head import HeadParams, fit_biases, fit_head, unit_rows
from ml.types import FloatArray, IdArray

PARAMS = HeadParams(user_bias_reg=2.0, item_bias_reg=3.0, ridge=1.5, rounds=3)


def _ratings(seed: int = 3, n_users: int = 12, n_items: int = 20, dim: int = 4) -> tuple[IdArray, IdArray, FloatArray, FloatArray, int]:
    rng = np.random.default_rng(seed)
    vectors = unit_rows(rng.normal(size=(n_items, dim)).astype(np.float32))
    pairs = np.array([(u, i) for u in range(n_users) for i in range(n_items) if rng.random() < 0.5])
    values = rng.integers(1, 6, size=len(pairs)).astype(np.float32)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64), values, vectors, n_users


def test_fold_in_is_the_direct_ridge_solve() -> None:
    users, items, values, vectors, n_users = _ratings()
    head = fit_head(users, items, values, vectors, n_users, PARAMS)
    mine = items[users == 0]
    mine_values = values[users == 0]
    params = head.fold_in(vectors, mine, mine_values)
    # Directly: minimise |y - X beta|^2 + beta' diag(l_b, l_w, ..., l_w) beta, X = [1, v_i].
    x = np.hstack([np.ones((len(mine), 1)), vectors[mine].astype(np.float64)])
    y = mine_values - head.mu - head.item_bias[mine].astype(np.float64)
    penalty = np.diag([PARAMS.user_bias_reg] + [PARAMS.ridge] * vectors.shape[1])
    # As an augmented least-squares problem: [X; sqrt(P)] beta ~ [y; 0].
    beta = np.linalg.lstsq(np.vstack([x, np.sqrt(penalty)]), np.concatenate([y, np.zeros(len(penalty))]), rcond=None)[0]
    assert np.allclose(params.bias, beta[0], atol=1e-5)
    assert np.allclose(params.weights, beta[1:], atol=1e-5)


def test_training_ends_with_the_fold_in_of_every_user() -> None:
    users, items, values, vectors, n_users = _ratings(seed=5)
    head = fit_head(users, items, values, vectors, n_users, PARAMS)
    for user in range(n_users):
        params = head.fold_in(vectors, items[users == user], values[users == user])
        assert np.allclose(head.user_bias[user], params.bias, atol=1e-5)
        assert np.allclose(head.user_weights[user], params.weights, atol=1e-5)


def test_predict_is_mu_plus_biases_plus_dot_clipped() -> None:
    users, items, values, vectors, n_users = _ratings()
    head = fit_head(users, items, values, vectors, n_users, PARAMS)
    expected = np.clip(
        head.mu + head.user_bias[users] + head.item_bias[items] + (head.user_weights[users] * vectors[items]).sum(axis=1), 1, 5
    )
    assert np.allclose(head.predict(vectors, users, items), expected, atol=1e-5)
    assert np.allclose(head.predict_user(head.user(2), vectors, np.arange(20)), head.predict(vectors, np.full(20, 2), np.arange(20)))


def test_an_unknown_user_gets_the_bias_baseline_of_each_movie() -> None:
    users, items, values, vectors, n_users = _ratings()
    head = fit_head(users, items, values, vectors, n_users, PARAMS)
    assert np.allclose(head.predict_user(head.user(None), vectors, np.arange(5)), np.clip(head.mu + head.item_bias[:5], 1, 5))


def test_biases_fit_a_pure_bias_world_exactly_without_shrinkage() -> None:
    # r = 3 + b_u + b_i exactly, every user rates every movie: the unregularised fit recovers it.
    user_bias, item_bias = np.array([0.5, -0.5, 0.0]), np.array([1.0, -1.0, 0.25, -0.25])
    users, items = (grid.ravel() for grid in np.meshgrid(np.arange(3), np.arange(4), indexing="ij"))
    values = (3 + user_bias[users] + item_bias[items]).astype(np.float32)
    mu, fitted_users, fitted_items = fit_biases(users, items, values, 3, 4, HeadParams(user_bias_reg=0, item_bias_reg=0), iterations=50)
    assert np.allclose(mu + fitted_users[users] + fitted_items[items], values, atol=1e-5)


def test_unit_rows_keep_zero_rows_zero() -> None:
    rows = unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32))
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])
