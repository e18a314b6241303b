"""Whose data an identity may touch: its own (a token's user), anyone's (a service key, or
authentication off), nobody's (anonymous)."""

from __future__ import annotations

import pytest

from data.errors import BadInput, Forbidden, Unauthenticated
from data.identity import Identity


def test_a_signed_in_user_acts_for_themselves_only() -> None:
    user = Identity.user(42)
    assert user.acting_user(None, "ratings") == 42
    assert user.acting_user(42, "ratings") == 42
    with pytest.raises(Forbidden, match=r"signed in as user 42 .* your own ratings"):
        user.acting_user(43, "ratings")


def test_a_service_key_and_open_access_act_for_the_user_named() -> None:
    for identity in (Identity.service("tv"), Identity.open()):
        assert identity.acting_user(43, "ratings") == 43
        with pytest.raises(BadInput, match="give `user`"):
            identity.acting_user(None, "ratings")


def test_anonymous_callers_are_told_to_sign_in() -> None:
    with pytest.raises(Unauthenticated, match="sign in to see or change a user's recommendations: send `Authorization: Bearer <token>`"):
        Identity.anonymous().acting_user(42, "recommendations")


def test_labels_name_the_identity_never_a_credential() -> None:
    assert [i.label for i in (Identity.user(42), Identity.service("tv"), Identity.anonymous(), Identity.open())] == \
        ["user:42", "key:tv", "anonymous", "open"]
