"""`stratengine serve`: the REST API over the warehouse and the Dagster instance, and the dashboard on top of it.

Reads are open to clients on this machine (anyone else needs the token); every request that changes state needs
`Authorization: Bearer $STRATENGINE_API_TOKEN` and is refused while no token is configured. Bad input gets a 4xx
with the reason and writes nothing. The OpenAPI document is at /openapi.json, its pages at /docs.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from dagster import DagsterInstance
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from filelock import Timeout

from quant.strategies import Strategy, StrategyBook
from resources.settings import ApiSettings
from storage.warehouse import Warehouse
from web import views
from web.cache import VersionedCache
from web.runs import SimulationLauncher, last_materializations, recent_runs
from web.schemas import AllocationRequest, SimulationRequest, check_holdings

STATIC = Path(__file__).with_name("static")
LOCAL_CLIENTS = {"127.0.0.1", "::1", "localhost"}
INSTANCE_SECONDS = 5  # the runs and materialization times the pipeline page shows are at most this old
READ_LOCK_SECONDS = 10.0  # a read waits this long for a run writing the warehouse, then answers 503
DATE_HELP = "YYYY-MM-DD; default the latest"
INVESTOR_ID = PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="1-64 letters, digits, _ . -")


class Api:
    """What the routes share: the warehouse, the strategies, the Dagster instance and the simulation launcher."""

    def __init__(
        self,
        warehouse,
        book: StrategyBook,
        instance: DagsterInstance,
        settings: ApiSettings,
        launcher: SimulationLauncher,
    ) -> None:
        self.warehouse, self.book, self.instance, self.settings = warehouse, book, instance, settings
        self.launcher = launcher
        self._lock = threading.Lock()  # one warehouse session at a time in this process
        self.cache = VersionedCache(warehouse.version)

    def read(self, key: tuple, view: Callable[[Warehouse], Any]) -> Any:
        """`view` over a session, or its answer from before if the warehouse has not changed since."""

        def compute() -> Any:
            with self.store() as store:
                return view(store)

        return self.cache.get(key, compute)

    def respond(self, key: tuple, view: Callable[[Warehouse], Any]) -> Response:
        """`read` as a JSON response whose bytes are cached too (serializing is most of a cached request's cost)."""
        body = self.cache.get(("json", *key), lambda: json.dumps(self.read(key, view), separators=(",", ":")))
        return Response(body, media_type="application/json")

    @contextmanager
    def store(self, write: bool = False) -> Iterator[Warehouse]:
        """A session for one request (read-only unless `write`); 503 while a run holds the warehouse too long."""
        opened = self.warehouse.session if write else self.warehouse.read_session
        try:
            with self._lock, opened(lock_timeout=READ_LOCK_SECONDS) as store:
                yield store
        except Timeout:
            raise HTTPException(
                503, "the warehouse is busy: a run is writing it; try again shortly", headers={"Retry-After": "5"}
            ) from None
        except FileNotFoundError as missing:
            raise HTTPException(503, str(missing)) from None

    def strategy(self, strategy_id: str) -> Strategy:
        if strategy_id not in self.book.strategies:
            known = ", ".join(self.book.strategies)
            raise HTTPException(404, f"unknown strategy {strategy_id!r}; configured: {known}")
        return self.book.strategies[strategy_id]


def create_app(
    warehouse,
    book: StrategyBook,
    instance: DagsterInstance,
    settings: ApiSettings,
    execute: Callable[[DagsterInstance, str, dict], None],
) -> FastAPI:
    """The API and dashboard over one warehouse resource and Dagster instance; `execute` runs a simulation."""
    api = Api(warehouse, book, instance, settings, SimulationLauncher(instance, execute))
    app = FastAPI(
        title="StratEngine API",
        version="1",
        description="Strategies, target portfolios and why each name is held, performance against the benchmark, "
        "risk, factor evaluation, pipeline health, and the investor's flow (simulate out of sample, allocate).",
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    _errors(app)
    _read_routes(app, api)
    _pipeline_routes(app, api)
    _write_routes(app, api)
    _pages(app)
    return app


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """413 for a request body over `limit` bytes, by its Content-Length or, without one, as it streams in (a pure
    ASGI middleware: Starlette's BaseHTTPMiddleware costs more than a cached read)."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope, receive, send) -> None:
        await JSONResponse({"detail": f"request body over {self.limit:,} bytes"}, status_code=413)(scope, receive, send)


def _errors(app: FastAPI) -> None:
    @app.exception_handler(ValueError)
    async def refused(_: Request, error: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)


def _reader(api: Api):
    def check(request: Request) -> None:
        host = request.client.host if request.client else ""
        if host not in LOCAL_CLIENTS:
            _check_token(api.settings, request)

    return check


def _writer(api: Api):
    def check(request: Request) -> None:
        _check_token(api.settings, request)

    return check


def _check_token(settings: ApiSettings, request: Request) -> None:
    if not settings.token:
        raise HTTPException(403, "this server takes no changes: set STRATENGINE_API_TOKEN and restart it")
    sent = request.headers.get("authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {settings.token}".encode()):
        raise HTTPException(
            401, "a valid 'Authorization: Bearer <token>' header is required", headers={"WWW-Authenticate": "Bearer"}
        )


def _read_routes(app: FastAPI, api: Api) -> None:
    read = [Depends(_reader(api))]

    @app.get("/api/health", tags=["pipeline"])
    def health() -> dict[str, Any]:
        return {"status": "ok", "warehouse": api.warehouse.describe(), "strategies": len(api.book.strategies)}

    @app.get("/api/strategies", dependencies=read, tags=["strategies"])
    def strategies() -> list[dict[str, Any]]:
        return api.respond(("strategies",), lambda store: views.strategies(store, api.book))

    @app.get("/api/strategies/{strategy_id}", dependencies=read, tags=["strategies"])
    def strategy(strategy_id: str) -> dict[str, Any]:
        card = views.strategy_card(api.strategy(strategy_id))
        listed = api.read(("strategies",), lambda store: views.strategies(store, api.book))
        return next(s for s in listed if s["strategy_id"] == strategy_id) | card

    @app.get("/api/strategies/{strategy_id}/portfolio", dependencies=read, tags=["strategies"])
    def portfolio(strategy_id: str, date: Annotated[dt.date | None, Query(description=DATE_HELP)] = None):
        chosen = api.strategy(strategy_id)
        return api.respond(("portfolio", strategy_id, date), lambda store: views.portfolio(store, chosen, date))

    @app.get("/api/strategies/{strategy_id}/performance", dependencies=read, tags=["strategies"])
    def performance(strategy_id: str) -> dict[str, Any]:
        chosen = api.strategy(strategy_id)
        benchmark = api.book.universe.benchmark
        return api.respond(("performance", strategy_id), lambda store: views.performance(store, chosen, benchmark))

    @app.get("/api/strategies/{strategy_id}/risk", dependencies=read, tags=["strategies"])
    def risk(strategy_id: str) -> dict[str, Any]:
        api.strategy(strategy_id)
        return api.respond(("risk", strategy_id), lambda store: views.risk(store, strategy_id))

    @app.get("/api/strategies/{strategy_id}/grid", dependencies=read, tags=["strategies"])
    def grid(strategy_id: str) -> dict[str, Any]:
        api.strategy(strategy_id)
        return api.respond(("grid", strategy_id), lambda store: views.grid(store, strategy_id))

    @app.get("/api/comparison", dependencies=read, tags=["strategies"])
    def comparison() -> list[dict[str, Any]]:
        return api.respond(("comparison",), lambda store: views.comparison(store, api.book))

    @app.get("/api/universes", dependencies=read, tags=["strategies"])
    def universes() -> list[dict[str, Any]]:
        return api.respond(("universes",), lambda store: [views.universe(store, api.book)])

    @app.get("/api/factors/evaluation", dependencies=read, tags=["research"])
    def evaluation(horizon: int = Query(21, ge=1, le=252)) -> list[dict[str, Any]]:
        return api.respond(("evaluation", horizon), lambda store: views.evaluation(store, horizon))

    @app.get("/api/investors/{investor_id}/allocations", dependencies=read, tags=["investors"])
    def allocations(investor_id: str = INVESTOR_ID) -> list[dict[str, Any]]:
        return api.respond(("allocations", investor_id), lambda store: views.allocations(store, investor_id))


def _pipeline_routes(app: FastAPI, api: Api) -> None:
    read = [Depends(_reader(api))]

    @app.get("/api/pipeline", dependencies=read, tags=["pipeline"])
    def pipeline() -> dict[str, Any]:
        fresh, quarantine, vendors = api.read(("pipeline",), _pipeline_tables)
        fresh = [dict(row) for row in fresh]  # the cached rows stay as computed
        assets = tuple(row["asset"] for row in fresh)
        runs, materialized = api.cache.get(
            ("instance", assets, int(time.monotonic() // INSTANCE_SECONDS)),
            lambda: (recent_runs(api.instance), last_materializations(api.instance, assets)),
        )
        for row in fresh:
            row["last_materialized"] = materialized.get(row["asset"])
        return {"freshness": fresh, "runs": runs, "quarantine": quarantine, "vendors": vendors}

    @app.get("/api/quarantine", dependencies=read, tags=["pipeline"])
    def quarantine(
        dataset: str | None = Query(None, max_length=64),
        reason: str | None = Query(None, max_length=200),
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        key = ("quarantine", dataset, reason, limit, offset)
        return api.respond(key, lambda store: views.quarantine_rows(store, dataset, reason, limit, offset))

    @app.get("/api/simulations/{run_id}", dependencies=read, tags=["investors"])
    def simulation(run_id: str = PathParam(pattern=r"^[0-9a-f-]{36}$")) -> dict[str, Any]:
        status = api.launcher.status(run_id)
        if status is None:
            raise HTTPException(404, f"no simulation run {run_id}")
        if status.get("finished") and status["strategy_id"] in api.book.strategies:
            with api.store() as store:
                status["result"] = views.grid(store, status["strategy_id"])["out_of_sample"]
        return status


def _pipeline_tables(store: Warehouse) -> tuple[list, list, list]:
    return views.freshness(store), views.quarantine_counts(store), views.vendor_coverage(store)


def _write_routes(app: FastAPI, api: Api) -> None:
    write = [Depends(_writer(api))]

    @app.post("/api/simulations", status_code=202, dependencies=write, tags=["investors"])
    def simulate(request: SimulationRequest) -> dict[str, Any]:
        """Start the out-of-sample simulation as a Dagster run (one at a time); follow it by its run id."""
        api.strategy(request.strategy_id)
        _check_universe(request.universe)
        run_id, started = api.launcher.launch(request.strategy_id, request.investor_id)
        return {"run_id": run_id, "started": started, "status_url": f"/api/simulations/{run_id}"}

    @app.post("/api/investors/{investor_id}/allocations", status_code=201, dependencies=write, tags=["investors"])
    def allocate(request: AllocationRequest, investor_id: str = INVESTOR_ID) -> dict[str, Any]:
        """Whole shares of the strategy's latest target for the amount (lump sum or one SIP instalment), from the
        investor's current holdings; stored for this investor and strategy, replacing only that allocation."""
        from stratengine_assets.portfolio.investor_portfolio import investor_plan, store_allocation

        strategy = api.strategy(request.strategy_id)
        _check_universe(request.universe)
        current = check_holdings(request.holdings)
        with api.store(write=True) as store:
            result = investor_plan(store, strategy, request.amount, request.mode, current)
            store_allocation(store, investor_id, strategy.strategy_id, result, request.amount, request.mode)
            stored = views.allocations(store, investor_id)
        return next(a for a in stored if a["strategy_id"] == strategy.strategy_id)


def _check_universe(universe: str) -> None:
    if universe != "default":
        raise HTTPException(404, f"unknown universe {universe!r}; configured: default")


def _pages(app: FastAPI) -> None:
    import plotly

    plotly_js = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        return FileResponse(plotly_js, media_type="application/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
