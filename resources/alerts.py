"""Alerts to a Slack-compatible incoming webhook: one HTTP POST of JSON {"text": ...} per message. The URL holds the
webhook's token, so it is never logged; without one, alerts are off (said once per process, at info)."""

from __future__ import annotations

import threading

import requests
from dagster import ConfigurableResource, get_dagster_logger
from pydantic import Field

_off_noted = threading.Event()  # "alerts are off" is logged once per process, not once per sensor tick


class AlertWebhookResource(ConfigurableResource):
    """Posts text to the webhook at `url`; None or empty turns alerts off."""

    url: str | None = Field(default=None, description="Slack-compatible incoming webhook URL; unset: alerts off")
    timeout_seconds: float = Field(default=10.0, description="seconds to wait for the webhook to answer")

    @property
    def enabled(self) -> bool:
        return bool(self.url and self.url.strip())

    def post(self, text: str) -> bool:
        """Send the text; True when the webhook accepted it, False when alerts are off or the post failed."""
        log = get_dagster_logger("stratengine.alerts")
        if not self.enabled:
            if not _off_noted.is_set():
                _off_noted.set()
                log.info("alerts are off: STRATENGINE_ALERT_WEBHOOK_URL is not set")
            return False
        try:
            response = requests.post(self.url, json={"text": text}, timeout=self.timeout_seconds)
        except requests.RequestException as error:
            log.warning(f"alert not sent: {type(error).__name__}")  # the message can carry the URL and its token
            return False
        if not response.ok:
            log.warning(f"alert not sent: the webhook answered HTTP {response.status_code}")
        return response.ok
