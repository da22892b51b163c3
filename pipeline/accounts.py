"""Editor accounts: argon2 password hashes, revocable sessions, API tokens, sign-in limits.

Secrets (session cookies, API tokens) are random 256-bit strings handed to the
client once; the database keeps only their sha256, so reading it signs nobody in.
Sessions live on the server: signing out deletes the row and the cookie is
worthless from then on.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipeline.errors import InputError, NotFoundError
from pipeline.models import User
from pipeline.store import Store, utcnow

SESSION_LIFETIME = timedelta(days=14)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps sign-in time the same
# either way, so timing does not tell which user names exist.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_name(name: str) -> str:
    name = name.strip()
    if not (1 <= len(name) <= 100) or not all(c.isalnum() or c in "._-@" for c in name):
        raise InputError("a user name is 1–100 letters, digits, '.', '_', '-' or '@'")
    return name


def check_password(password: str) -> str:
    if not (MIN_PASSWORD <= len(password) <= MAX_PASSWORD):
        raise InputError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def add_user(store: Store, name: str, password: str) -> User:
    return store.accounts.add_user(check_name(name), _hasher.hash(check_password(password)))


def set_password(store: Store, name: str, password: str) -> None:
    """Change a password; every session of that user ends."""
    store.accounts.set_password(check_name(name), _hasher.hash(check_password(password)))


def authenticate(store: Store, name: str, password: str) -> User | None:
    if len(password) > MAX_PASSWORD:
        return None
    user = store.accounts.user_by_name(name.strip())
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value (given to the browser once) and its CSRF token."""

    cookie: str
    csrf_token: str


def start_session(store: Store, user: User) -> SignedIn:
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    store.accounts.add_session(_digest(cookie), user.id, csrf, utcnow() + SESSION_LIFETIME)
    return SignedIn(cookie, csrf)


def session_user(store: Store, cookie: str) -> tuple[User, str] | None:
    """The signed-in user and the session's CSRF token, or None."""
    if not cookie or len(cookie) > 200:
        return None
    return store.accounts.session_user(_digest(cookie))


def end_session(store: Store, cookie: str) -> None:
    store.accounts.delete_session(_digest(cookie))


def new_api_token(store: Store, name: str, label: str = "") -> str:
    """Create a bearer token for `name`; the token itself is shown once and never stored."""
    user = store.accounts.user_by_name(name)
    if user is None:
        raise NotFoundError(f"there is no user called {name!r}")
    token = "ic_" + secrets.token_urlsafe(32)
    store.accounts.add_api_token(_digest(token), user.id, label[:100])
    return token


def token_user(store: Store, token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    return store.accounts.token_user(_digest(token))


@dataclass(frozen=True)
class SignInLimiter:
    """At most `attempts` failed sign-ins per `window` seconds for one client address and
    for one user name (each counted apart, so one address cannot lock everyone out and
    many addresses cannot guess one password).

    Counted in the database, so every server process on it shares the count, and each
    attempt is recorded before its password is checked: a burst of parallel guesses
    cannot all pass the check while the slow hashes run. An attempt that signs in is
    forgotten again."""

    attempts: int = 5
    window: float = 60.0

    def reserve(self, store: Store, client: str, name: str) -> Attempt:
        """Record an attempt by `client` to sign in as `name`, or say how long to wait."""
        attempt_id, free_at = store.accounts.reserve_sign_in(
            client[:100], name.strip().lower()[:100], self.attempts, timedelta(seconds=self.window)
        )
        if attempt_id is not None:
            return Attempt(attempt_id, 0)
        wait = (free_at - utcnow()).total_seconds() if free_at else self.window
        return Attempt(None, max(int(wait) + 1, 1))

    def succeeded(self, store: Store, attempt: Attempt) -> None:
        if attempt.id is not None:
            store.accounts.release_sign_in(attempt.id)


@dataclass(frozen=True)
class Attempt:
    """A reserved sign-in attempt (`id`), or a refusal: `retry_after` seconds to wait."""

    id: int | None
    retry_after: int
