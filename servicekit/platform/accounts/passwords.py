"""Password hashing (argon2id) and the password policy, for account management and sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from servicekit.platform.accounts._i18n import gettext as _

MIN_LENGTH = 10
# Bounded so a hostile sign-in form cannot make argon2 hash megabytes.
MAX_LENGTH = 256

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; the clear text is never kept)."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; malformed hashes never match."""
    if not password_hash or len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str, login: str | None = None) -> list[str]:
    """Every way ``password`` breaks the policy, as sentences (empty when it is acceptable).

    The policy: at least 10 characters, at least one letter and one digit, not the login.
    """
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(
            _("The password must have at least %(count)d characters.", count=MIN_LENGTH)
        )
    if len(password) > MAX_LENGTH:
        problems.append(_("The password must have at most %(count)d characters.", count=MAX_LENGTH))
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        problems.append(_("The password must contain both letters and digits."))
    if login and password.strip().lower() == login.strip().lower():
        problems.append(_("The password must not be the same as the login name."))
    return problems
