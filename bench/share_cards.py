"""Mission share pictures: how long drawing one takes, how large it is, and how long the cache
(Redis) takes to give the bytes back — the figures behind keeping the bytes in the cache
(engagement/missions/share_card.py).

Usage: python bench/share_cards.py [N]   (N drawings per case, default 40)

No tenant data is needed: the picture is drawn from its facts (a ShareCard) and the tenant's
logo, here a 512 × 512 PNG in memory like the ones tenants.images writes.
"""

from __future__ import annotations

import io
import sys
import time

from _common import bench_database, machine_description, summarize


class _InMemoryLogo:
    """What share_card_png reads of a FieldFile: truthiness and open()."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __bool__(self) -> bool:
        return True

    def open(self, mode: str = "rb") -> io.BytesIO:
        return io.BytesIO(self.data)


def _logo_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (512, 512), (255, 255, 255, 0))
    ImageDraw.Draw(image).ellipse((16, 16, 496, 496), fill=(15, 157, 138, 255))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def _timed(function, count: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    timings, result = [], None
    for _ in range(count):
        started = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings, result


def main(count: int) -> None:
    with bench_database(migrate=False):
        from django.core.cache import cache

        from engagement.missions.share_card import ShareCard, share_card_png

        card = ShareCard(
            title="Distribution de repas chauds aux familles du quartier de la Roquette, "
            "avec l'équipe du samedi",
            when="samedi 14 juin 2025, 10:00 – 13:00 (et 4 autres dates)",
            place="12 rue de la Roquette, 75011 Paris",
            organization="Les Restos du Cœur – antenne du 11e",
            tenant_name="Paris Entraide",
            primary="#1f4e8c",
            on_primary="#ffffff",
            accent="#b34700",
            link="#1f4e8c",
            tenant_logo="branding/paris/logo.png",
            language="fr",
        )
        logo = _InMemoryLogo(_logo_png())
        share_card_png(card)  # fonts loaded once per process, like a warm worker

        rows = []
        for label, draw in (
            ("draw, no logo", lambda: share_card_png(card)),
            ("draw, 512 px logo", lambda: share_card_png(card, tenant_logo=logo)),  # type: ignore[arg-type]
            ("version (ETag)", lambda: card.version),
        ):
            timings, result = _timed(draw, count)
            rows.append((label, summarize(timings), result))
        png = rows[1][2]
        assert isinstance(png, bytes)
        key = "share-card:bench"
        cache.set(key, png, 60)
        timings, cached = _timed(lambda: cache.get(key), count * 5)
        assert cached == png
        rows.append(("cache get (Redis)", summarize(timings), cached))
        cache.delete(key)

        print(machine_description())
        print(f"PNG: {len(png) / 1024:.0f} KiB with logo, {len(rows[0][2]) / 1024:.0f} KiB without")  # type: ignore[arg-type]
        print("| step | runs | median | p95 |")
        print("|---|---|---|---|")
        for label, summary, _result in rows:
            print(f"| {label} | {summary.count} | {summary.median:.3f} ms | {summary.p95:.3f} ms |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
