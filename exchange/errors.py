"""Domain errors. The web layer maps each class to one HTTP status in one place.

``InvalidInput`` carries per-field messages (422); ``Conflict`` a wrong state or a lost race
(409); ``Forbidden`` a rule that forbids this actor (403); ``NotFound`` absent or hidden (404).
Each carries a stable ``code`` a client can switch on, and a human message.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after
