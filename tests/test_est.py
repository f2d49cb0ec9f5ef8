"""The EST situation picture: exact numbers of a known dataset (period change, hot spots,
recurring flag, small-count suppression including the subtraction case), the chat command,
its images, and that no free text, code or reporter appears in any output."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image as PILImage

from bot import charts
from bot.i18n import Catalog
from bot.render import plain
from bot.report import ReportContext, ReportPeriod, ReportSection, SectionRow
from config.base import LOCALES_DIR
from handlers.est.picture import Picture, compute
from handlers.est.render import Labels, html_report, markdown
from handlers.est.suppress import Cell, protect
from storage.est import Span
from tests.estdata import CODE_PREFIX, SECRET_TEXT, add_tips
from tests.harness import MODERATION_ROOM, MODERATOR, RESIDENT, Harness, make_settings

MOD = {"as_": MODERATOR, "room": MODERATION_ROOM}
CURRENT = Span(date(2026, 11, 11), date(2026, 11, 24))
FORBIDDEN = (SECRET_TEXT, "Kalle", CODE_PREFIX, "r" * 32)


def values(table: dict[str, Cell]) -> dict[str, int | None]:
    return {k: c.value for k, c in table.items()}


# ---- the suppression rule ---------------------------------------------------------------


def test_a_single_small_group_is_protected_against_subtraction_from_the_total() -> None:
    table = protect({"a": 2, "b": 10, "c": 7})
    # Without a second hidden group, 19 - 10 - 7 would give a = 2.
    assert values(table.cells) == {"a": None, "b": 10, "c": None}
    assert table.cells["a"].small and not table.cells["c"].small
    assert table.total.value == 19


def test_two_small_groups_whose_sum_would_pin_them_get_company() -> None:
    # 2 + 2 = 4 with both "<3" means both are 2: a third group must be hidden.
    table = protect({"a": 2, "b": 2, "c": 9, "d": 12})
    assert values(table.cells) == {"a": None, "b": None, "c": None, "d": 12}


def test_a_hidden_group_of_exactly_three_beside_a_one_is_not_enough() -> None:
    # Hidden 1 ("<3") and 3 (">= 3") sum to 4: that pins both; hide one more.
    table = protect({"a": 1, "b": 3, "c": 5, "d": 8})
    assert values(table.cells) == {"a": None, "b": None, "c": None, "d": 8}


def test_when_nothing_is_left_to_hide_the_total_is_hidden() -> None:
    table = protect({"a": 1, "b": 3})
    assert values(table.cells) == {"a": None, "b": None}
    assert table.total.value is None
    assert protect({"a": 2}).total == Cell(None, small=True)


def test_zero_and_large_groups_are_shown_as_they_are() -> None:
    table = protect({"a": 0, "b": 4, "c": 6})
    assert values(table.cells) == {"a": 0, "b": 4, "c": 6}
    assert table.total.value == 10


def test_forced_group_is_hidden_with_a_second_one() -> None:
    table = protect({"a": 5, "b": 6, "c": 7}, force=["a"])
    assert values(table.cells) == {"a": None, "b": None, "c": 7}


# ---- the picture of the known dataset -----------------------------------------------------


async def picture(bot: Harness, span: Span = CURRENT, lang: str = "sv") -> Picture:
    async with bot.svc.db.read() as conn:
        rctx = ReportContext(conn, bot.svc.settings, bot.svc.catalog, lang)
        return await compute(rctx, span, bot.svc.registry.report_sections)


async def test_known_dataset_counts_change_and_suppression(bot: Harness) -> None:
    await add_tips(bot.svc.db)
    pic = await picture(bot)
    assert pic.previous_span == Span(date(2026, 10, 28), date(2026, 11, 10))
    # 20 now (the dismissed tip and those outside the period do not count), 15 before.
    assert (pic.total.current.value, pic.total.previous.value, pic.total.change) == (20, 15, 5)
    cats = {r.key: (r.current.value, r.previous.value, r.change) for r in pic.categories}
    assert cats == {
        "skadegorelse": (5, 4, 1),
        "klotter": (4, None, None),  # 2 before: "<3"
        "nedskrapning": (None, 6, None),  # 3 now, hidden to protect narkotika
        "ordningsstorning": (6, None, None),  # 3 before, hidden to protect klotter
        "narkotika": (None, 0, None),  # 2 now: "<3"
    }
    small = {r.key: (r.current.small, r.previous.small) for r in pic.categories}
    assert small["narkotika"] == (True, False) and small["nedskrapning"] == (False, False)
    assert small["klotter"] == (False, True)
    places = {r.key: (r.current.value, r.previous.value, r.change) for r in pic.places}
    assert places == {
        "varnamo": (15, 9, 6),
        "bredaryd": (None, 6, None),
        "forsheda": (None, 0, None),
    }
    heat = {k: c.value for k, c in pic.heat.items() if c.value != 0}
    assert heat == {(3, "12-18"): 6, (4, "00-06"): None, (5, "18-24"): 5, (6, "18-24"): 4,
                    (7, "12-18"): None}  # fmt: skip
    assert {s: c.value for s, c in pic.states} == {
        "new": 9,
        "reviewed": 5,
        "forwarded": 0,
        "closed": 6,
    }


async def test_known_dataset_hot_spots_and_recurring_flag(bot: Harness) -> None:
    await add_tips(bot.svc.db)
    pic = await picture(bot)
    spots = [(h.locality, h.area, h.place_type, h.time_band, h.count, h.previous, h.recurring)
             for h in pic.hotspots]  # fmt: skip
    assert spots == [
        ("varnamo", "Östermalm", "bostad", "12-18", 6, None, False),  # 3 before, at 06-12
        ("varnamo", "Centrum", "centrum", "18-24", 5, 4, True),
        ("varnamo", "Gröndal", "park", "18-24", 4, None, False),  # 2 before
    ]


async def test_a_hot_spot_never_leaves_a_small_remainder_of_its_place(bot: Harness) -> None:
    rows = (
        (4, "klotter", "bor", None, "park", "2026-11-20", "18-24", "new"),
        (1, "brand", "bor", None, "annat", "2026-11-21", "00-06", "new"),
        (7, "klotter", "varnamo", None, "park", "2026-11-20", "12-18", "new"),
        (6, "klotter", "bredaryd", None, "centrum", "2026-11-19", "06-12", "new"),
    )
    await add_tips(bot.svc.db, rows)
    pic = await picture(bot)
    # Bor 5 minus its hot spot of 4 would show the single fire: Bor is hidden, and so is
    # the smallest other place, so the total (18) cannot give Bor back either.
    assert {r.key: r.current.value for r in pic.places} == {
        "varnamo": 7,
        "bredaryd": None,
        "bor": None,
    }
    assert [(h.locality, h.count) for h in pic.hotspots] == [
        ("varnamo", 7),
        ("bredaryd", 6),
        ("bor", 4),
    ]
    assert pic.total.current.value == 18


async def test_a_tiny_period_shows_only_less_than_three(bot: Harness) -> None:
    await add_tips(bot.svc.db, ((2, "klotter", "bor", None, "park", "2026-11-20", "18-24", "new"),))
    pic = await picture(bot)
    assert pic.total.current == Cell(None, small=True)
    assert all(r.current.value is None for r in pic.categories)


# ---- the chat command -----------------------------------------------------------------------


async def test_lagesbild_posts_summary_and_three_charts(bot: Harness) -> None:
    await add_tips(bot.svc.db)
    outs = await bot.say("!lägesbild", **MOD)
    assert [o.image is not None for o in outs] == [False, True, True, True]
    text = plain(outs[0].text)
    lines = text.split("\n")
    assert lines[:3] == [
        "Lägesbild alla orter, 2026-11-11 – 2026-11-24 (14 dagar)",
        "Jämfört med 2026-10-28 – 2026-11-10.",
        "Tips: 20 (förra perioden 15, förändring +5)",
    ]
    for line in (
        "· Skadegörelse: 5 / 4 (+1)",
        "· Misstänkt narkotikahantering: <3 / 0 (–)",
        "· Nedskräpning: dold / 6 (–)",
        "· Värnamo: 15 / 9 (+6)",
        "Flest tips: ons 12–18 (6 st)",
        "· Värnamo, Centrum · Centrum/torg · 18–24: 5 – återkommande (förra perioden 4)",
        "· Värnamo, Gröndal · Park · 18–24: 4",
        "Status: ny: 9 · granskad: 5 · vidarebefordrad: 0 · avslutad: 6",
    ):
        assert line in lines, line
    assert all(o.room_id == MODERATION_ROOM for o in outs)
    assert [o.image.alt for o in outs[1:] if o.image] == [o.text for o in outs[1:]]


async def test_pngs_are_valid_images_of_the_declared_size(bot: Harness) -> None:
    await add_tips(bot.svc.db)
    outs = await bot.say("!sitrep", **MOD)
    images = [o.image for o in outs if o.image is not None]
    assert [(i.width, i.height) for i in images] == [
        (1080, charts.HEATMAP_HEIGHT_PX),
        (1080, charts.bars_height(5)),  # five categories
        (1080, charts.bars_height(3)),  # three hot spots
    ]
    for image in images:
        assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
        with PILImage.open(io.BytesIO(image.data)) as png:
            png.verify()
        with PILImage.open(io.BytesIO(image.data)) as png:
            assert png.format == "PNG" and png.size == (image.width, image.height)
            assert png.convert("L").getextrema()[0] < 100  # something dark was drawn
        assert image.filename.endswith(".png") and image.alt


async def test_seven_days_for_one_place_splits_by_area(bot: Harness) -> None:
    await add_tips(bot.svc.db)
    outs = await bot.say("!sitrep 7 värnamo", **MOD)
    text = plain(outs[0].text)
    assert "Lägesbild Värnamo, 2026-11-18 – 2026-11-24 (7 dagar)" in text
    assert "Områden (nu / förra perioden / förändring)" in text
    # 18–24 Nov in Värnamo: Centrum 5, Gröndal 4, Östermalm 6; the week before: nothing.
    for line in ("· Centrum: 5 / 0 (+5)", "· Gröndal: 4 / 0 (+4)", "· Östermalm: 6 / 0 (+6)"):
        assert line in text


async def test_nothing_to_show_is_one_message_without_charts(bot: Harness) -> None:
    outs = await bot.say("!lägesbild 30", **MOD)
    assert len(outs) == 1 and outs[0].image is None
    assert "Inga tips under perioden eller perioden före." in plain(outs[0].text)


async def test_bad_arguments_and_permissions(bot: Harness) -> None:
    assert "7, 14 eller 30" in " ".join(await bot.texts("!lägesbild 9", **MOD))
    assert "Orten ”Atlantis” känner jag inte igen." in await bot.last("!lägesbild Atlantis", **MOD)
    await bot.meet(RESIDENT)
    out = await bot.texts("!lägesbild", as_=RESIDENT)
    assert not any("Lägesbild" in t for t in out)
    assert bot.messenger.images == []


# ---- nothing that points to a person ------------------------------------------------------


async def test_no_free_text_code_or_reporter_in_any_output(bot: Harness) -> None:
    await add_tips(bot.svc.db)
    outs = await bot.say("!lägesbild", **MOD)
    outs += await bot.say("!sitrep 30 Värnamo", **MOD)
    pic = await picture(bot)
    lab = Labels(bot.svc.catalog, bot.svc.settings, "sv")
    images = [o.image for o in outs if o.image is not None]
    texts = [o.text for o in outs]
    texts += [markdown(pic, lab), html_report(pic, lab, images)]
    texts += [i.alt + i.filename for i in images]
    for text in texts:
        for secret in FORBIDDEN:
            assert secret not in text


# ---- sections from other features -----------------------------------------------------------


async def test_a_provider_section_is_shown_with_its_own_suppression(bot: Harness) -> None:
    calls: list[ReportPeriod] = []

    async def fraud_section(rctx: ReportContext, period: ReportPeriod) -> ReportSection:
        calls.append(period)
        return ReportSection(
            title="Bedrägerivarningar",
            columns=("Utskick", "Prenumeranter"),
            rows=(
                SectionRow("Värnamo", (40, 120)),
                SectionRow("Bor", (2, 9)),
                SectionRow("Horda", (6, 4)),
            ),
            minimum=5,
        )

    async def broken(rctx: ReportContext, period: ReportPeriod) -> ReportSection | None:
        raise RuntimeError("a bug in another feature")

    bot.svc.registry.report_sections.extend([fraud_section, broken])
    await add_tips(bot.svc.db)
    pic = await picture(bot)
    [section] = pic.sections
    got = {label: tuple(c.value for c in cells) for label, cells in section.rows}
    # Column "Utskick": Bor 2 is small, Horda 6 hidden beside it; "Prenumeranter": Horda 4
    # small, Bor 9 hidden beside it.
    assert got == {"Värnamo": (40, 120), "Bor": (None, None), "Horda": (None, None)}
    assert calls == [ReportPeriod(CURRENT.start, CURRENT.end, None)]
    outs = await bot.say("!lägesbild", **MOD)
    assert "· Bor: Utskick: <5 · Prenumeranter: dold" in plain(outs[0].text)


def test_moderation_texts_exist_in_swedish_and_english() -> None:
    catalog = Catalog.load(LOCALES_DIR)
    keys = {k for k in catalog.keys("sv") if k.startswith("est.")}
    assert keys and keys == {k for k in catalog.keys("en") if k.startswith("est.")}


@pytest.mark.parametrize("minimum", [3, 5])
def test_settings_reject_a_hot_spot_threshold_below_three(minimum: int) -> None:
    settings = make_settings(**{"est.hotspot_min": minimum})
    assert settings.est.hotspot_min == minimum
    with pytest.raises(Exception, match="hotspot_min"):
        make_settings(**{"est.hotspot_min": 2})


async def test_only_the_biggest_hot_spots_are_listed(tmp_path: Path) -> None:
    bot = await Harness(tmp_path, make_settings(**{"est.hotspot_max": 2})).start()
    try:
        await add_tips(bot.svc.db)
        pic = await picture(bot)
        assert [(h.area, h.count) for h in pic.hotspots] == [("Östermalm", 6), ("Centrum", 5)]
        assert pic.hotspots_more == 1
        outs = await bot.say("!lägesbild", **MOD)
        assert "… och ytterligare 1 hot spots." in plain(outs[0].text)
        assert outs[3].image is not None and outs[3].image.height == charts.bars_height(2)
    finally:
        await bot.stop()
