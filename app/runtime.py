"""Process-wide handles built once from settings: database, storage, broker URL."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.db import Database, get_database
from app.queue import send
from app.settings import Settings, get_settings
from app.storage import Storage, open_storage


@dataclass
class Runtime:
    settings: Settings
    db: Database
    storage: Storage

    @property
    def broker_url(self) -> str:
        if not self.settings.redis_url:
            raise RuntimeError(
                "no Redis configured: set CREATIVE4U_REDIS_URL, or start with `creative4u up`, "
                "which runs an embedded Redis"
            )
        return self.settings.redis_url

    def send(self, name: str, *args: Any, **options: Any) -> None:
        send(self.settings, self.broker_url, name, *args, **options)


def build_runtime(settings: Settings) -> Runtime:
    return Runtime(
        settings=settings,
        db=get_database(settings.sqlalchemy_url),
        storage=open_storage(settings.media_location),
    )


@lru_cache(maxsize=1)
def get_runtime() -> Runtime:
    return build_runtime(get_settings())
