"""The statistics benchmark's peer: the old FastAPI + pandas movies API, the seed's way.

The Movies Dataset's movies_metadata.csv and credits.csv (the folder in $STATS_DATA) are read into
frames once at start-up, their Python-literal columns parsed then (collection, companies,
countries; directors found in the crew with a regex, as parsing every crew literal would take
minutes at full size); each request then runs one pandas filter over the frames in memory, as the
old `/peliculas_idioma/{idioma}`, `/peliculas_duracion/{titulo}`, `/franquicia/{franquicia}`,
`/peliculas_pais/{pais}`, `/productoras_exitosas/{productora}` and `/get_director/{director}` did.
Served by uvicorn like `moviegraph serve`; routes accept POST so the benchmark's driver sends both
servers the same kind of request (the body is not read).
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_DIRECTOR = re.compile(r"""'job': 'Director', 'name': ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def _literal(text: Any) -> Any:
    try:
        return ast.literal_eval(text) if isinstance(text, str) else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _names(text: Any) -> list[str]:
    value = _literal(text)
    return [item["name"] for item in value if isinstance(item, dict) and "name" in item] if isinstance(value, list) else []


def load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(movies, directors): one row per movie, and one per (movie, director)."""
    movies = pd.read_csv(folder / "movies_metadata.csv", low_memory=False)
    movies["id"] = pd.to_numeric(movies["id"], errors="coerce")
    movies = movies.dropna(subset=["id"]).drop_duplicates("id")
    movies["id"] = movies["id"].astype("int64")
    for column in ("budget", "revenue", "runtime"):
        movies[column] = pd.to_numeric(movies[column], errors="coerce")
    movies["release_date"] = pd.to_datetime(movies["release_date"], errors="coerce")
    movies["year"] = movies["release_date"].dt.year
    movies["return"] = (movies["revenue"] / movies["budget"]).where(movies["budget"] > 0)
    movies["collection"] = [value.get("name") if isinstance(value, dict) else None
                            for value in map(_literal, movies["belongs_to_collection"])]
    movies["companies"] = [_names(value) for value in movies["production_companies"]]
    movies["countries"] = [_names(value) for value in movies["production_countries"]]
    movies["title_lower"] = movies["title"].str.lower()
    credits = pd.read_csv(folder / "credits.csv", usecols=["crew", "id"])
    pairs = [(movie, ast.literal_eval(name)) for crew, movie in zip(credits["crew"], credits["id"], strict=True)
             if isinstance(crew, str) for name in _DIRECTOR.findall(crew)]
    directors = pd.DataFrame(pairs, columns=["id", "director"]).drop_duplicates()
    directors["director_lower"] = directors["director"].str.lower()
    return movies, directors


MOVIES, DIRECTORS = load(Path(os.environ["STATS_DATA"]))


async def language(request: Request) -> JSONResponse:
    code = request.path_params["code"]
    return JSONResponse({"language": code, "count": int((MOVIES["original_language"] == code).sum())})


async def runtime(request: Request) -> JSONResponse:
    found = MOVIES[MOVIES["title_lower"] == request.path_params["title"].lower()]
    return JSONResponse([{"title": t, "runtime": None if pd.isna(r) else float(r), "year": None if pd.isna(y) else int(y)}
                         for t, r, y in zip(found["title"], found["runtime"], found["year"], strict=True)])


async def collection(request: Request) -> JSONResponse:
    found = MOVIES[MOVIES["collection"] == request.path_params["name"]]
    return JSONResponse({"collection": request.path_params["name"], "count": len(found),
                         "total_revenue": float(found["revenue"].sum()), "average_revenue": float(found["revenue"].mean())})


async def country(request: Request) -> JSONResponse:
    name = request.path_params["name"]
    return JSONResponse({"country": name, "count": int(MOVIES["countries"].map(lambda names: name in names).sum())})


async def company(request: Request) -> JSONResponse:
    name = request.path_params["name"]
    found = MOVIES[MOVIES["companies"].map(lambda names: name in names)]
    return JSONResponse({"company": name, "count": len(found), "total_revenue": float(found["revenue"].sum())})


async def director(request: Request) -> JSONResponse:
    ids = DIRECTORS.loc[DIRECTORS["director_lower"] == request.path_params["name"].lower(), "id"]
    found = MOVIES[MOVIES["id"].isin(ids)]
    return JSONResponse({
        "director": request.path_params["name"], "average_return": float(found["return"].mean()),
        "movies": [{"title": t, "release_date": None if pd.isna(d) else d.date().isoformat(),
                    "budget": None if pd.isna(b) else float(b), "revenue": None if pd.isna(r) else float(r),
                    "return": None if pd.isna(x) else float(x)}
                   for t, d, b, r, x in zip(found["title"], found["release_date"], found["budget"], found["revenue"],
                                            found["return"], strict=True)],
    })


app = Starlette(routes=[
    Route("/peliculas_idioma/{code}", language, methods=["GET", "POST"]),
    Route("/peliculas_duracion/{title}", runtime, methods=["GET", "POST"]),
    Route("/franquicia/{name}", collection, methods=["GET", "POST"]),
    Route("/peliculas_pais/{name}", country, methods=["GET", "POST"]),
    Route("/productoras_exitosas/{name}", company, methods=["GET", "POST"]),
    Route("/get_director/{name}", director, methods=["GET", "POST"]),
])
