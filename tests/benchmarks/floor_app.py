"""The API benchmark's floor: a bare Starlette app whose one route returns a fixed 1 KB JSON body.

Served by uvicorn exactly like `moviegraph serve` (one worker, same loop and HTTP implementation),
it measures what the HTTP stack and the client cost before any GraphQL or SQL runs. It accepts
POST so the driver can send it the same request as workload (a); the body is never read.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY_BYTES = 1024
# {"data":"xxx...x"}, padded to exactly BODY_BYTES.
BODY = b'{"data":"' + b"x" * (BODY_BYTES - 11) + b'"}'


async def fixed(request: Request) -> Response:
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/", fixed, methods=["GET", "POST"])])
