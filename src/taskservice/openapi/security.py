"""How a client authenticates, in the two forms the service accepts.

``Authorization: Bearer <token>`` is an http bearer scheme. ``Authorization: Token
<token>`` (Django REST Framework's form, accepted as well) has no scheme of its own in
OpenAPI 3.0, so it is an apiKey in the Authorization header whose value is the whole
``Token <token>``. Either one satisfies the document-wide requirement; POST /users and
POST /tokens, and section 5's endpoints, override it with none.
"""

from __future__ import annotations

from typing import Any

BEARER = "bearerAuth"
TOKEN = "tokenAuth"

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
}
# Either scheme will do (two requirement objects, not two schemes in one).
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}, {TOKEN: []}]
