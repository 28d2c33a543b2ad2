"""API latency under load: `stratengine serve` in its own process over an existing project (run `stratengine demo`
first), 50 concurrent clients for 30 s over the dashboard's reads; p50 / p99 per route and overall.

    python bench/api.py [--clients 50] [--seconds 30] [--json bench/results/api.json]

Run it from the project whose warehouse and Dagster home it should read (STRATENGINE_HOME, default the working
directory).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROUTES = [
    "/api/strategies",
    "/api/comparison",
    "/api/strategies/lo_minvar/portfolio",
    "/api/strategies/eq_ls_composite/performance",
    "/api/strategies/lo_minvar/risk",
    "/api/factors/evaluation?horizon=21",
    "/api/pipeline",
    "/api/quarantine?limit=50",
]


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "STRATENGINE_API_PORT": str(port), "STRATENGINE_API_HOST": "127.0.0.1"}
    server = subprocess.Popen([str(Path(sys.executable).with_name("stratengine")), "serve"], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("stratengine serve exited or did not answer within 60 s")


async def client(base: str, until: float, offset: int, samples: dict[str, list[float]], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        i = offset
        while time.monotonic() < until:
            route = ROUTES[i % len(ROUTES)]
            started = time.perf_counter()
            response = await http.get(route)
            samples[route].append(time.perf_counter() - started)
            if response.status_code != 200:
                errors.append(f"{route}: {response.status_code}")
            i += 1


async def load(base: str, clients: int, seconds: float) -> tuple[dict[str, list[float]], list[str]]:
    samples: dict[str, list[float]] = {route: [] for route in ROUTES}
    errors: list[str] = []
    until = time.monotonic() + seconds
    await asyncio.gather(*(client(base, until, k, samples, errors) for k in range(clients)))
    return samples, errors


def summary(samples: dict[str, list[float]], seconds: float) -> dict:
    every = np.concatenate([np.array(v) for v in samples.values() if v])
    per_route = {
        route: {
            "requests": len(v),
            "p50_ms": float(np.percentile(v, 50) * 1e3),
            "p99_ms": float(np.percentile(v, 99) * 1e3),
        }
        for route, v in samples.items()
        if v
    }
    return {
        "requests": int(every.size),
        "requests_per_s": every.size / seconds,
        "p50_ms": float(np.percentile(every, 50) * 1e3),
        "p99_ms": float(np.percentile(every, 99) * 1e3),
        "routes": per_route,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    server = start_server(args.port)
    try:
        base = f"http://127.0.0.1:{args.port}"
        asyncio.run(load(base, 2, 2.0))  # warm: first reads open the file and fill the cache
        samples, errors = asyncio.run(load(base, args.clients, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = summary(samples, args.seconds) | {"clients": args.clients, "seconds": args.seconds, "errors": len(errors)}
    print(
        f"{result['requests']:,} requests from {args.clients} clients in {args.seconds:.0f} s "
        f"({result['requests_per_s']:.0f}/s), {len(errors)} errors: p50 {result['p50_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms"
    )
    for route, figures in result["routes"].items():
        print(
            f"  {route:<48} {figures['requests']:>6,}  p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms"
        )
    if errors:
        print("  first errors:", errors[:5])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
