from __future__ import annotations

from argon2 import PasswordHasher

from entcredit.identity.passwords import hash_password, needs_rehash, verify_password


def test_hash_and_verify() -> None:
    h = hash_password("Correct-Horse-42")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "Correct-Horse-42")
    assert not verify_password(h, "correct-horse-42")
    assert not verify_password("not-a-hash", "Correct-Horse-42")
    assert not needs_rehash(h)


def test_weaker_parameters_need_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024).hash("Correct-Horse-42")
    assert verify_password(weak, "Correct-Horse-42")
    assert needs_rehash(weak)
