"""The dashboard driven in Debian's Chromium by Playwright, as a PM and an investor would use it: every tab over a
real warehouse, the investor's flow end to end, and no request leaving the machine."""

from __future__ import annotations

import re
from pathlib import Path

from dagster import DagsterInstance
from playwright.sync_api import Page, expect, sync_playwright

from resources.settings import ApiSettings, pipeline_settings
from tests.live_server import serving
from web.app import create_app
from web.server import executor

CHROMIUM = "/usr/bin/chromium"
TOKEN = "dashboard-test-token"
TIMEOUT_MS = 120_000


def check_dashboard(project: dict, shots: Path | None = None) -> None:
    """Serve the API over `project`'s warehouse and walk the dashboard; screenshots into `shots` when given."""
    app = create_app(
        project["warehouse"],
        pipeline_settings().strategy_book(),
        DagsterInstance.get(),
        ApiSettings(token=TOKEN),
        executor(project),
    )
    with serving(app) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        expect(page.get_by_test_id("status")).to_contain_text("loaded", timeout=TIMEOUT_MS)
        _strategies(page, shots)
        _portfolio(page, shots)
        _pipeline(page, shots)
        _investor(page, shots)
        browser.close()
    assert outside == [], f"the page fetched from elsewhere: {outside}"
    assert errors == [], errors


def _shot(page: Page, shots: Path | None, name: str) -> None:
    if shots is not None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def _strategies(page: Page, shots: Path | None) -> None:
    rows = page.get_by_test_id("comparison").locator("tr")
    expect(rows).to_have_count(len(pipeline_settings().strategy_book().strategies) + 1)
    expect(page.get_by_test_id("comparison")).to_contain_text(re.compile(r"-?\d+\.\d\d%"))
    expect(page.get_by_test_id("evaluation").locator("tr").nth(14)).to_be_visible()
    _shot(page, shots, "strategies")


def _portfolio(page: Page, shots: Path | None) -> None:
    page.get_by_role("button", name="Portfolio & performance").click()
    page.get_by_test_id("strategy-select").select_option("eq_ls_composite")
    holdings = page.get_by_test_id("holdings")
    expect(holdings).to_contain_text("momentum_12_1", timeout=TIMEOUT_MS)  # the rationale column
    expect(page.get_by_test_id("equity-chart").locator(".main-svg").first).to_be_visible()
    expect(page.get_by_test_id("equity-chart")).to_contain_text("SPY")
    expect(page.get_by_test_id("risk")).to_contain_text("historical")
    expect(page.get_by_test_id("grid")).to_contain_text(re.compile("selected|fail|pass"))
    _shot(page, shots, "portfolio")


def _pipeline(page: Page, shots: Path | None) -> None:
    page.get_by_role("button", name="Pipeline health").click()
    expect(page.get_by_test_id("freshness")).to_contain_text("2017-11-10")
    expect(page.get_by_test_id("runs")).to_contain_text("SUCCESS")
    page.get_by_test_id("quarantine").locator("tr.clickable").first.click()
    expect(page.get_by_test_id("quarantine-rows").locator("tr").nth(1)).to_be_visible()
    expect(page.get_by_test_id("quarantine-rows")).to_contain_text("2014")
    expect(page.get_by_test_id("vendors")).to_contain_text("stooq")
    _shot(page, shots, "pipeline")


def _investor(page: Page, shots: Path | None) -> None:
    page.get_by_role("button", name="Invest").click()
    page.get_by_test_id("investor-id").fill("investor-7")
    page.get_by_test_id("invest-strategy").select_option("lo_minvar")
    expect(page.get_by_test_id("invest-backtest")).to_contain_text("Backtest CAGR")
    page.get_by_test_id("simulate").click()
    expect(page.get_by_test_id("simulation")).to_contain_text("refused", timeout=TIMEOUT_MS)  # no token yet
    page.get_by_test_id("token").fill(TOKEN)
    page.get_by_test_id("amount").fill("-5")
    page.get_by_test_id("allocate").click()
    expect(page.get_by_test_id("allocation-error")).to_contain_text("greater than 0", timeout=TIMEOUT_MS)
    page.get_by_test_id("amount").fill("50000")
    page.get_by_test_id("allocate").click()
    expect(page.get_by_test_id("allocation-table").locator("tr").nth(1)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("allocation")).to_contain_text("investor-7: lo_minvar, lump sum of 50,000.00")
    page.get_by_test_id("simulate").click()
    expect(page.get_by_test_id("simulation")).to_contain_text(re.compile("SUCCESS — "), timeout=TIMEOUT_MS)
    _shot(page, shots, "investor")
