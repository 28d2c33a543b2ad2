"""When a row was written: UTC wall-clock time without a zone, as the warehouse's TIMESTAMP columns hold it."""

import pandas as pd


def utc_now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").tz_localize(None)
