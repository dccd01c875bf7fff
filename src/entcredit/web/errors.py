"""One error shape for every API response: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

_DEFAULT_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


_log = logging.getLogger(__name__)


class ApiError(Exception):
    """Raise from routes and dependencies; rendered as the standard JSON error."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


class AuthenticationRequired(ApiError):
    """No (valid) credentials. Browser GETs of pages are redirected to the login page."""

    def __init__(self, message: str = "authentication required", code: str = "not_authenticated"):
        super().__init__(401, code, message, headers={"WWW-Authenticate": "Bearer"})


class BodyTooLargeError(StarletteHTTPException):
    """Raised while reading a request body past the configured limit."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, body_too_large_message(max_bytes))
        self.max_bytes = max_bytes


def body_too_large_message(max_bytes: int) -> str:
    return f"request body exceeds the limit of {max_bytes} bytes (ENTCREDIT_MAX_UPLOAD_BYTES)"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = jsonable_encoder(details)
    return {"error": error}


def error_response(
    status_code: int,
    code: str,
    message: str,
    *,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(code, message, details), status_code=status_code, headers=headers
    )


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith("/api/")


async def _api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if isinstance(exc, AuthenticationRequired) and request.method == "GET" and wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return error_response(
        exc.status_code, exc.code, exc.message, details=exc.details, headers=exc.headers
    )


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _DEFAULT_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    details = None if isinstance(exc.detail, str) else exc.detail
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 413:
        # The body was not read to the end; ask the client to drop the connection.
        headers = {**(headers or {}), "Connection": "close"}
    return error_response(exc.status_code, code, message, details=details, headers=headers)


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"
    return error_response(422, "validation_error", message, details=errors)


async def _unexpected_handler(request: Request, exc: Exception) -> Response:
    # Logged with its traceback for the operator; the client sees the standard shape only.
    _log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "internal error; the operator has the details")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unexpected_handler)
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
