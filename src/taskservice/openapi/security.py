"""How a client authenticates, in the three forms the service accepts.

``Authorization: Bearer <token>`` is an http bearer scheme. ``Authorization: Token
<token>`` (Django REST Framework's form, accepted as well) has no scheme of its own in
OpenAPI 3.0, so it is an apiKey in the Authorization header whose value is the whole
``Token <token>``. An app password is http basic with the token as the password (contract
section 15). Any one satisfies the document-wide requirement; POST /users and POST
/tokens, and section 5's endpoints, override it with none.

OpenAPI 3.0 gives scopes to OAuth schemes only, so the scopes a token needs for an
operation are in its ``x-scopes`` extension.
"""

from __future__ import annotations

from typing import Any

BEARER = "bearerAuth"
TOKEN = "tokenAuth"
BASIC = "appPassword"
SCOPES_EXTENSION = "x-scopes"

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    BEARER: {
        "type": "http", "scheme": "bearer",
        "description": "A token from POST /tokens: `Authorization: Bearer <token>`",
    },
    TOKEN: {
        "type": "apiKey", "in": "header", "name": "Authorization",
        "description": "The same token in Django REST Framework's form: the header's whole "
                       "value is `Token <token>`",
    },
    BASIC: {
        "type": "http", "scheme": "basic",
        "description": "An app password: HTTP Basic with the username and a token as the "
                       "password (never the account's own password)",
    },
}
# Any scheme will do (one requirement object each, not several schemes in one).
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}, {TOKEN: []}, {BASIC: []}]
