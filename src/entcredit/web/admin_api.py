"""Administration API (regulator_admin only): staff users and department API tokens.
Every change is audited by the identity service in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select

from entcredit.identity.rules import PasswordPolicyError, Role
from entcredit.identity.service import (
    DuplicateUserError,
    IdentityError,
    TokenNotFoundError,
    UnknownDepartmentError,
    create_user,
    issue_token,
    list_tokens,
    list_users,
    revoke_token,
)
from entcredit.store.models import Department
from entcredit.web.deps import AdminDep, SessionDep, require_admin
from entcredit.web.errors import ApiError

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    roles: list[Role] = Field(min_length=1)
    dept_code: str | None = None
    display_name: str = ""


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[Role]
    dept_code: str | None
    is_active: bool


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    expires_at: AwareDatetime | None = None


class TokenOut(BaseModel):
    id: int
    dept_code: str
    name: str
    token_prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(
        description="The secret. Shown once: store it now, it cannot be shown again."
    )


def _identity_error(exc: IdentityError, *, dept_in_path: bool = False) -> ApiError:
    if isinstance(exc, DuplicateUserError):
        return ApiError(409, exc.code, str(exc))
    if isinstance(exc, UnknownDepartmentError | TokenNotFoundError) and (
        dept_in_path or isinstance(exc, TokenNotFoundError)
    ):
        return ApiError(404, exc.code, str(exc))
    return ApiError(422, exc.code, str(exc))


@router.get("/users", summary="List staff users")
def get_users(session: SessionDep, principal: AdminDep) -> list[UserOut]:
    codes = dict(session.execute(select(Department.id, Department.dept_code)).all())
    return [
        UserOut(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            roles=sorted(u.roles),
            dept_code=codes.get(u.dept_id) if u.dept_id is not None else None,
            is_active=u.is_active,
        )
        for u in list_users(session)
    ]


@router.post("/users", status_code=201, summary="Create a staff user")
def post_user(body: UserCreate, session: SessionDep, principal: AdminDep) -> UserOut:
    try:
        user = create_user(
            session,
            username=body.username,
            password=body.password,
            roles=frozenset(body.roles),
            dept_code=body.dept_code,
            display_name=body.display_name,
            actor=principal.actor,
        )
    except PasswordPolicyError as exc:
        raise ApiError(422, "weak_password", str(exc), details=exc.problems) from exc
    except IdentityError as exc:
        raise _identity_error(exc) from exc
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=sorted(user.roles),
        dept_code=body.dept_code,
        is_active=user.is_active,
    )


@router.get("/tokens", summary="List API tokens (never the secrets)")
def get_tokens(
    session: SessionDep, principal: AdminDep, dept_code: str | None = None
) -> list[TokenOut]:
    return [
        TokenOut(
            id=tok.id,
            dept_code=code,
            name=tok.name,
            token_prefix=tok.token_prefix,
            created_at=tok.created_at,
            expires_at=tok.expires_at,
            revoked_at=tok.revoked_at,
            last_used_at=tok.last_used_at,
        )
        for tok, code in list_tokens(session, dept_code)
    ]


@router.post(
    "/departments/{dept_code}/tokens",
    status_code=201,
    summary="Issue an API token for a department (the secret is returned once)",
)
def post_token(
    dept_code: Annotated[str, Path(max_length=64)],
    body: TokenCreate,
    session: SessionDep,
    principal: AdminDep,
    response: Response,
) -> IssuedTokenOut:
    try:
        issued = issue_token(
            session,
            dept_code=dept_code,
            name=body.name,
            expires_at=body.expires_at,
            actor=principal.actor,
        )
    except IdentityError as exc:
        raise _identity_error(exc, dept_in_path=True) from exc
    response.headers["Cache-Control"] = "no-store"
    tok = issued.token
    return IssuedTokenOut(
        id=tok.id,
        dept_code=dept_code,
        name=tok.name,
        token_prefix=tok.token_prefix,
        created_at=tok.created_at,
        expires_at=tok.expires_at,
        revoked_at=None,
        last_used_at=None,
        token=issued.plaintext,
    )


@router.delete("/tokens/{token_id}", summary="Revoke an API token")
def delete_token(token_id: int, session: SessionDep, principal: AdminDep) -> dict[str, object]:
    try:
        tok = revoke_token(session, token_id, actor=principal.actor)
    except IdentityError as exc:
        raise _identity_error(exc) from exc
    return {"id": tok.id, "revoked_at": tok.revoked_at}
