import numpy as np

from ml.features import FeatureParams, decade_token, demographic_tokens, feature_matrix, genre_token, vocabulary


def test_identity_weighs_one_and_tokens_share_the_content_weight() -> None:
    tokens = [["genre:Drama", "decade:1990"], ["genre:Drama"], ["genre:Drama", "decade:1990"]]
    features = feature_matrix(np.array([True, True, False]), tokens, 0.5, ["decade:1990", "genre:Drama"])
    dense = features.matrix.toarray()
    # Columns: identity of row 0, identity of row 1, decade:1990, genre:Drama.
    assert np.allclose(dense[0], np.array([1, 0, 0.25, 0.25]) / 1.5)
    assert np.allclose(dense[1], np.array([0, 1, 0, 0.5]) / 1.5)
    # No ratings, no identity: the content tokens carry the whole row.
    assert np.allclose(dense[2], [0, 0, 0.5, 0.5])
    assert features.matrix.dtype == np.float32


def test_zero_content_weight_is_pure_collaborative_and_empty_rows_stay_zero() -> None:
    features = feature_matrix(np.array([True, False]), [["genre:Drama"], ["genre:Drama"]], 0.0, ["genre:Drama"])
    assert features.vocabulary == []
    assert np.allclose(features.matrix.toarray(), [[1.0], [0.0]])


def test_vocabulary_drops_rare_tokens_and_caps_keywords_by_frequency() -> None:
    tokens = [["keyword:1", "keyword:2", "director:9", "cast:5"], ["keyword:1", "keyword:2", "director:9"], ["keyword:1", "keyword:3"], ["keyword:3"]]
    params = FeatureParams(keyword_vocabulary=2, min_movies=2)
    # keyword:1 (3 movies) before keyword:2 and keyword:3 (2 each, tie broken by name); cast:5 is on one movie only.
    assert vocabulary(tokens, params) == ["director:9", "keyword:1", "keyword:2"]


def test_tokens_share_names_across_sources() -> None:
    assert genre_token("Sci-Fi") == genre_token("Science Fiction") == "genre:Science Fiction"
    assert genre_token("Children's") == "genre:Family"
    assert genre_token("unknown") is None
    assert decade_token(1995) == "decade:1990"
    assert demographic_tokens(24, "M", "technician") == ["gender:M", "age:20s", "occupation:technician"]
    assert demographic_tokens(None, None, None) == []
