"""The server's Prometheus metrics, served at /metrics.

Each app has a registry of its own rather than prometheus_client's global one: tests build many
apps in one process, and a global registry refuses a metric registered twice. Label values are
bounded: routes are the app's route templates, GraphQL operations their root field names as the
schema knows them (never the client's operation name, which is free text), error codes ours.
With several uvicorn workers each has its own counters and a scrape reaches one of them: run one
worker per container (and more containers) to keep /metrics whole.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from api.graphql_app import GraphQLOutcome
from api.response_cache import ResponseCache
from loaders.runtime import Runtime
from ml.model_holder import ModelHolder
from ml.scoring import Scorer

# From a cached movie lookup (~1 ms) to the heaviest allowed query.
LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _ModelEvents(Collector):
    """What the model holder counts: its refusals and failed looks happen in the watcher, between requests."""

    def __init__(self) -> None:
        self.models: ModelHolder | None = None  # set at each scrape

    def collect(self) -> Iterator[Metric]:
        if self.models is None:
            return
        yield CounterMetricFamily("moviegraph_model_refusals", "Newly published model versions refused (damaged, half-uploaded, "
                                  "or not of this catalogue); the previous model kept serving.", value=self.models.refusals)
        yield CounterMetricFamily("moviegraph_model_store_failures", "Looks at the model store that could not reach it "
                                  "(object storage down or refusing the credentials).", value=self.models.store_failures)


class _CacheFigures(Collector):
    def __init__(self, cache: ResponseCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily("moviegraph_response_cache_hits", "GraphQL requests answered from the response cache.",
                                  value=self.cache.hits)
        yield CounterMetricFamily("moviegraph_response_cache_misses", "Cacheable GraphQL requests the response cache did not hold.",
                                  value=self.cache.misses)
        yield GaugeMetricFamily("moviegraph_response_cache_bytes", "What the response cache holds, in bytes (estimated).",
                                value=self.cache.used)


class Metrics:
    def __init__(self, cache: ResponseCache | None = None) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # CPU, memory, open files of this process
        self.requests = Counter(
            "moviegraph_http_requests",
            "HTTP requests answered, by route template (\"unrouted\": answered before routing, a 404 or a limit's refusal), method and status.",
            ["route", "method", "status"], registry=self.registry)
        self.request_seconds = Histogram("moviegraph_http_request_duration_seconds", "Time to answer an HTTP request, by route template.",
                                         ["route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.graphql_seconds = Histogram(
            "moviegraph_graphql_request_duration_seconds",
            "Time to answer a GraphQL request, by operation type and root field (\"multiple\" for several, \"none\" when it did not parse).",
            ["operation_type", "root_field"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.graphql_errors = Counter("moviegraph_graphql_errors", "GraphQL errors returned, by extensions.code.", ["code"], registry=self.registry)
        self.rate_limited = Counter("moviegraph_rate_limited_requests", "Requests refused with 429 by the per-client rate limit.",
                                    registry=self.registry)
        self.model = Gauge("moviegraph_model_info",
                           "1 for the recommender model serving, by artifact version and training time; absent when none serves.",
                           ["version", "trained_at"], registry=self.registry)
        self.model_events = _ModelEvents()
        self.registry.register(self.model_events)
        if cache is not None and cache.enabled:
            self.registry.register(_CacheFigures(cache))

    def observe(self, route: str, method: str, status: int, seconds: float, graphql: GraphQLOutcome | None) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.request_seconds.labels(route).observe(seconds)
        if graphql is not None:
            self.graphql_seconds.labels(graphql.operation_type, graphql.root_field).observe(seconds)
            for code in graphql.error_codes:
                self.graphql_errors.labels(code).inc()

    def set_model(self, scorer: Scorer | None) -> None:
        self.model.clear()
        if scorer is not None:
            self.model.labels(str(scorer.model_info.version), scorer.model_info.trained_at).set(1)

    async def endpoint(self, request: Request) -> Response:
        # The model can change between scrapes (hot swap), so it is read when scraped.
        models = Runtime.of(request).models
        self.set_model(models.scorer)
        self.model_events.models = models
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
