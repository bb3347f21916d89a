"""One adapter per portal platform; the spider picks one by the source's `platform`."""
from __future__ import annotations

from .base import ATTACHMENT, DETAIL, DOCUMENT, LISTING, Adapter, Detail
from .fujian import FujianAdapter
from .generic import GenericAdapter
from .gkmlpt import GkmlptAdapter
from .govcn import GovcnAdapter
from .hanweb import HanwebAdapter
from .trs import TrsAdapter

ADAPTERS: dict[str, Adapter] = {a.name: a for a in (TrsAdapter(), HanwebAdapter(), GkmlptAdapter(),
                                                     GovcnAdapter(), FujianAdapter(), GenericAdapter())}


def adapter_for(platform: str | None) -> Adapter:
    return ADAPTERS.get(platform or "generic", ADAPTERS["generic"])


__all__ = ["ADAPTERS", "adapter_for", "Adapter", "Detail", "LISTING", "DETAIL", "DOCUMENT", "ATTACHMENT"]
