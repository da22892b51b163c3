"""Who may sign in, as `store.accounts`: editors (argon2 password hashes), their
browser sessions, API tokens, and recent sign-in attempts for rate limiting. Tokens
are kept only as their sha256 (pipeline.accounts hashes them), so a leaked database
signs nobody in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import ConflictError, NotFoundError
from pipeline.models import User
from pipeline.store.rows import ApiTokenRow, SessionRow, SignInAttemptRow, UserRow, utcnow


class Accounts:
    """Users, sessions, API tokens and sign-in attempts, over the store's session factory."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add_user(self, name: str, password_hash: str) -> User:
        try:
            with self._sessions.begin() as s:
                row = UserRow(name=name, password_hash=password_hash)
                s.add(row)
                s.flush()
                return _user(row)
        except IntegrityError:
            raise ConflictError(f"there is already a user called {name!r}") from None

    def set_password(self, name: str, password_hash: str) -> None:
        with self._sessions.begin() as s:
            row = s.scalars(select(UserRow).where(UserRow.name == name)).first()
            if row is None:
                raise NotFoundError(f"there is no user called {name!r}")
            row.password_hash = password_hash
            s.execute(delete(SessionRow).where(SessionRow.user_id == row.id))

    def user_by_name(self, name: str) -> User | None:
        with self._sessions.begin() as s:
            row = s.scalars(select(UserRow).where(UserRow.name == name)).first()
            return _user(row) if row else None

    def users(self) -> list[User]:
        with self._sessions.begin() as s:
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]

    def add_session(
        self, token_hash: str, user_id: int, csrf_token: str, expires_at: datetime
    ) -> None:
        with self._sessions.begin() as s:
            s.add(
                SessionRow(
                    token_hash=token_hash,
                    user_id=user_id,
                    csrf_token=csrf_token,
                    expires_at=expires_at,
                )
            )

    def session_user(self, token_hash: str) -> tuple[User, str] | None:
        """The user a live session belongs to, with its CSRF token; None when unknown,
        revoked or expired."""
        query = (
            select(UserRow, SessionRow.csrf_token)
            .join(SessionRow, SessionRow.user_id == UserRow.id)
            .where(SessionRow.token_hash == token_hash, SessionRow.expires_at > utcnow())
        )
        with self._sessions.begin() as s:
            found = s.execute(query).first()
            return (_user(found[0]), found[1]) if found else None

    def delete_session(self, token_hash: str) -> None:
        with self._sessions.begin() as s:
            s.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash))

    def delete_sessions(self, user_id: int) -> int:
        with self._sessions.begin() as s:
            result = s.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def add_api_token(self, token_hash: str, user_id: int, label: str) -> None:
        with self._sessions.begin() as s:
            s.add(ApiTokenRow(token_hash=token_hash, user_id=user_id, label=label))

    def token_user(self, token_hash: str) -> User | None:
        query = (
            select(UserRow)
            .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
            .where(ApiTokenRow.token_hash == token_hash)
        )
        with self._sessions.begin() as s:
            row = s.scalars(query).first()
            return _user(row) if row else None

    def delete_api_tokens(self, user_id: int) -> int:
        with self._sessions.begin() as s:
            result = s.execute(delete(ApiTokenRow).where(ApiTokenRow.user_id == user_id))
            return int(result.rowcount)  # type: ignore[attr-defined]

    # -- sign-in attempts ---------------------------------------------------

    def reserve_sign_in(
        self, client: str, name: str, attempts: int, window: timedelta
    ) -> tuple[int | None, datetime | None]:
        """Record a sign-in attempt unless `client` or `name` already has `attempts` in
        the last `window`: (the attempt's id, None), or (None, when the oldest of them
        leaves the window). Count and record are one transaction that no other
        reservation interleaves with, in any process using this database."""
        now = utcnow()
        since = now - window
        with self._sessions.begin() as s:
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(727002)"))
            # (SQLite: every transaction begins IMMEDIATE, so writers already queue.)
            s.execute(delete(SignInAttemptRow).where(SignInAttemptRow.at <= since))
            for column, value in ((SignInAttemptRow.client, client), (SignInAttemptRow.name, name)):
                count, oldest = s.execute(
                    select(func.count(), func.min(SignInAttemptRow.at)).where(
                        column == value, SignInAttemptRow.at > since
                    )
                ).one()
                if count >= attempts:
                    return None, oldest + window
            row = SignInAttemptRow(client=client, name=name, at=now)
            s.add(row)
            s.flush()
            return row.id, None

    def release_sign_in(self, attempt_id: int) -> None:
        """Forget a reserved attempt (it signed in), so it counts against nobody."""
        with self._sessions.begin() as s:
            s.execute(delete(SignInAttemptRow).where(SignInAttemptRow.id == attempt_id))


def _user(row: UserRow) -> User:
    return User(id=row.id, name=row.name, password_hash=row.password_hash)
