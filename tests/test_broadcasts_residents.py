"""Broadcasts as residents and moderators meet them: subscriptions in direct chats, the
weekly digest, !glöm, the spoof check, the footer in every language, the allow-list, and
the ad hoc warning with preview and confirmation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.render import plain
from config.base import ConfigError
from config.broadcasts import links_in, load_catalogue
from config.settings import load_settings
from handlers.broadcasts.render import render
from tests.broadcastkit import EN_ROOM, SV_ROOM, Homeserver, at, mod, rt, start, to_toml
from tests.harness import MODERATION_ROOM, RESIDENT, RESIDENT2, Harness, dm_room, example_data
from tests.harness import make_settings as harness_settings

SUBS = [{"key": "subs", "cron": "0 10 * * *", "target": "subscribers"}]
ENABLED = ("sv", "en", "ar", "so", "ti", "fa", "hr", "sq", "uk", "fi", "pl")


async def subscribers_bot(tmp_path: Path) -> tuple[Homeserver, Harness]:
    """A bot whose one schedule sends to subscribers at 10:00; 09:00 now, the resident has
    met it."""
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": SUBS})
    at(bot, "2026-11-25T09:00:00+01:00")
    await bot.meet(RESIDENT)
    return hs, bot


async def ten_oclock(bot: Harness) -> None:
    """Start the broadcasts now, then sweep just after 10:00 on 2026-11-25."""
    await rt(bot).start(bot.svc)
    at(bot, "2026-11-25T10:00:02+01:00")
    await rt(bot).sweep(bot.svc)


async def test_subscribe_in_a_direct_chat_and_get_warnings_in_your_language(
    tmp_path: Path,
) -> None:
    hs, bot = await subscribers_bot(tmp_path)
    assert "varje bedrägerivarning" in await bot.last("!prenumerera")
    await bot.meet(RESIDENT2)
    await bot.say("!språk uk", as_=RESIDENT2)
    assert "кожне попередження" in await bot.last("!subscribe", as_=RESIDENT2)
    await ten_oclock(bot)
    [sv] = hs.to(dm_room(RESIDENT))
    [uk] = hs.to(dm_room(RESIDENT2))
    assert sv.startswith("⚠️ Bedrägeri på telefon") and "ring 112" in sv
    assert "112" in uk and "Tryggbot ніколи не просить BankID" in uk
    assert hs.to(SV_ROOM) == []  # the schedule targets subscribers only
    # What is stored: the keyed hash and the direct chat, nothing else.
    conn = sqlite3.connect(bot.db_path)
    rows = conn.execute("SELECT * FROM broadcast_subscriber").fetchall()
    cols = [c[1] for c in conn.execute("PRAGMA table_info(broadcast_subscriber)")]
    conn.close()
    assert cols == ["id", "person", "room_id", "mode", "created_at"]
    assert {r[2] for r in rows} == {dm_room(RESIDENT), dm_room(RESIDENT2)}
    assert not any(RESIDENT in str(r) or RESIDENT2 in str(r) for r in rows)
    await bot.stop()


async def test_unsubscribe_and_forget_stop_the_warnings_and_remove_the_subscription(
    tmp_path: Path,
) -> None:
    hs, bot = await subscribers_bot(tmp_path)
    await bot.meet(RESIDENT2)
    await bot.say("!prenumerera")
    await bot.say("!prenumerera vecka", as_=RESIDENT2)
    assert "inte längre" in await bot.last("!avsluta")
    assert "prenumererar inte" in await bot.last("!avsluta")
    await bot.say("!glöm ja", as_=RESIDENT2)
    await ten_oclock(bot)
    assert hs.to(dm_room(RESIDENT)) == [] and hs.to(dm_room(RESIDENT2)) == []
    conn = sqlite3.connect(bot.db_path)
    assert conn.execute("SELECT count(*) FROM broadcast_subscriber").fetchone() == (0,)
    conn.close()
    await bot.stop()


async def test_subscribing_works_only_in_a_direct_chat(tmp_path: Path) -> None:
    bot = await start(tmp_path)
    await bot.meet()
    out = " ".join(await bot.texts("!prenumerera", room=SV_ROOM))
    assert "direktchatt" in out or "direkt" in out
    await bot.stop()


async def test_the_weekly_digest_holds_the_weeks_warnings(tmp_path: Path) -> None:
    hs = Homeserver()
    schedules = [
        {"key": "rooms", "cron": "0 10 * * *", "target": "rooms"},
        {"key": "digest", "cron": "0 12 * * sat", "target": "digest"},
    ]
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": schedules})
    at(bot, "2026-11-23T09:00:00+01:00")  # Monday
    await bot.meet()
    await bot.say("!prenumerera vecka")
    await rt(bot).start(bot.svc)
    for day in ("23", "24", "25"):
        at(bot, f"2026-11-{day}T10:00:05+01:00")
        await rt(bot).sweep(bot.svc)
    at(bot, "2026-11-28T12:00:05+01:00")  # Saturday
    await rt(bot).sweep(bot.svc)
    [digest] = hs.to(dm_room(RESIDENT))
    assert digest.startswith("Veckans bedrägerivarningar")
    for title in ("Bedrägeri på telefon", "BankID bara när", "Polisen hämtar aldrig"):
        assert title in digest
    assert digest.count("Osäker på om ett meddelande kommer från oss?") == 1  # one footer
    await bot.stop()


async def sent_to_the_rooms(tmp_path: Path) -> tuple[Homeserver, Harness, str]:
    """A bot whose 10:00 schedule posted a warning to the rooms (what the Swedish room got is
    returned); the resident has met it."""
    hs = Homeserver()
    bot = await start(
        tmp_path, homeserver=hs, **{"broadcasts.schedules": [{**SUBS[0], "target": "rooms"}]}
    )
    at(bot, "2026-11-25T09:00:00+01:00")
    await ten_oclock(bot)
    [sent] = hs.to(SV_ROOM)
    await bot.meet()
    return hs, bot, sent


async def test_verify_says_yes_for_a_sent_warning_with_changed_whitespace(
    tmp_path: Path,
) -> None:
    hs, bot, sent = await sent_to_the_rooms(tmp_path)
    squashed = "  ".join(sent.split())  # line breaks gone, double spaces
    assert "Ja, den här texten skickades av Tryggbot (2026-11-25)" in await bot.last(
        "!äkta " + squashed
    )
    quoted = "\n".join("> " + line for line in sent.split("\n"))
    assert "Ja," in await bot.last("!äkta " + quoted)
    without_footer = sent.split("\n\n")[0]
    assert "Ja," in await bot.last(f"!verify “{without_footer}”")
    # Forwarded into the direct chat without a command: confirmed too.
    assert "Ja," in await bot.last(sent)
    # As a reply to the broadcast in the room.
    event_id = next(eid for (room, _), (_, eid) in hs.seen.items() if room == SV_ROOM)
    assert "Ja," in await bot.last("!äkta", room=SV_ROOM, reply_to=event_id)
    await bot.stop()


async def test_verify_says_no_for_an_edited_warning_and_explains_what_to_do(
    tmp_path: Path,
) -> None:
    _, bot, sent = await sent_to_the_rooms(tmp_path)
    edited = sent.replace("Lägg på.", "Ring 070-123 45 67 och logga in med BankID.")
    answer = await bot.last("!äkta " + edited)
    assert answer.startswith("Nej")
    assert "114 14" in answer and "bank" in answer
    assert "Nej" in await bot.last("!verify Polisen behöver dina koder, svara med BankID.")
    assert "klistra in" in await bot.last("!äkta")
    await bot.stop()


def test_every_warning_has_the_footer_in_every_enabled_language(tmp_path: Path) -> None:
    settings = harness_settings()
    assert set(ENABLED) <= set(settings.language.enabled)
    catalogue = load_catalogue(
        settings.broadcasts.catalogue_path, settings.broadcasts.allowed_domains
    )
    assert len(catalogue.warnings) >= 15
    assert catalogue.needs_review == set(ENABLED) - {"sv", "en"}

    class Svc:  # what render needs: settings and the message catalogue
        from bot.i18n import Catalog
        from config.base import LOCALES_DIR

        catalog = Catalog.load(LOCALES_DIR)

    svc = Svc()
    svc.settings = settings  # type: ignore[attr-defined]
    for w in catalogue.warnings:
        assert set(w.texts) == set(ENABLED), f"{w.id} lacks {set(ENABLED) - set(w.texts)}"
        for lang in ENABLED:
            body = plain(render(svc, catalogue, (w.id,), lang).body)  # type: ignore[arg-type]
            assert "112" in body and "114 14" in body and "polisen.se" in body, (w.id, lang)
            assert "BankID" in body and "Tryggbot" in body, (w.id, lang)
            for _, host in links_in(body):
                assert host.endswith(settings.broadcasts.allowed_domains), (w.id, lang, host)


def test_a_catalogue_with_a_link_outside_the_allow_list_is_refused_at_start(
    tmp_path: Path,
) -> None:
    good = Path(harness_settings().broadcasts.catalogue_path).read_text("utf-8")
    bad = good.replace(
        "Gå själv till företagets eller myndighetens webbplats eller app.",
        "Läs mer på https://polisen-se.example.com/varning.",
    )
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if "polisen-se.example" in t)
    path = tmp_path / "bad.toml"
    path.write_text(bad, "utf-8")
    data = example_data()
    data["broadcasts"]["catalogue"] = str(path)
    config = tmp_path / "tryggbot.toml"
    config.write_text(to_toml(data), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    [problem] = caught.value.problems
    assert f"bad.toml:{line}:" in problem
    assert "polisen-se.example.com" in problem and "allowed_domains" in problem


def test_a_catalogue_without_english_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text(
        '[[warning]]\nid = "x"\ntopic = "t"\n[warning.sv]\ntitle = "T"\ntext = "Text."\n',
        "utf-8",
    )
    with pytest.raises(ValueError, match=r"w.toml:2: warning 'x' has no en text"):
        load_catalogue(path, ["polisen.se"])


async def test_an_ad_hoc_warning_is_previewed_and_sent_only_when_confirmed(
    tmp_path: Path,
) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs)
    await bot.meet()
    await bot.say("!prenumerera")
    text = "Falska bankanställda ringer i Bredaryd den här veckan. Ring banken själv."
    preview = (await mod(bot, "!utskick nu " + text))[-3:]
    assert "Förhandsvisning av aktuell varning nr 1" in preview[0] and "3 mottagare" in preview[0]
    assert text in preview[1] and "ring 112" in preview[1]
    assert "!utskick bekräfta 1" in preview[2]
    await rt(bot).idle()
    assert hs.to(SV_ROOM) == [] and hs.to(EN_ROOM) == []
    assert any("skickas nu till 3 mottagare" in t for t in await mod(bot, "!utskick bekräfta 1"))
    await rt(bot).idle()
    [sv] = hs.to(SV_ROOM)
    [en] = hs.to(EN_ROOM)
    assert sv.startswith("⚠️ Aktuell varning från Värnamo kommun") and text in sv
    assert en.startswith("⚠️ Current warning from Värnamo Municipality") and "call 112" in en
    assert len(hs.to(dm_room(RESIDENT))) == 1
    assert "levererade 3 av 3" in hs.to(MODERATION_ROOM)[-1]
    assert "redan startats" in (await mod(bot, "!broadcast confirm 1"))[-1]
    assert "Ja," in await bot.last("!äkta " + sv)
    await bot.stop()


async def test_an_ad_hoc_warning_expires_and_refuses_foreign_links(tmp_path: Path) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs)
    assert "inte på en tillåten webbplats" in " ".join(
        await mod(bot, "!utskick nu Läs mer på https://bit.ly/abc")
    )
    await mod(bot, "!broadcast now Fake parcel texts are going around. Do not click.")
    bot.clock.advance(minutes=31)
    assert "gått ut" in (await mod(bot, "!utskick bekräfta 1"))[-1]
    await rt(bot).idle()
    assert hs.to(SV_ROOM) == []
    await bot.stop()


async def test_moderators_list_preview_and_see_the_catalogue(tmp_path: Path) -> None:
    bot = await start(tmp_path, **{"broadcasts.schedules": SUBS})
    at(bot, "2026-11-25T09:00:00+01:00")
    await rt(bot).start(bot.svc)
    listing = await mod(bot, "!utskick lista")
    assert "nr 1" in listing[-1] and "0 10 * * *" in listing[-1]
    assert "nästa 2026-11-25 10:00" in listing[-1]
    preview = await mod(bot, "!utskick förhandsvisa 1 en")
    assert "Schema nr 1" in preview[0] and "2026-11-25 10:00" in preview[0]
    assert preview[1].startswith("⚠️ Phone fraud: three steps") and "call 112" in preview[1]
    catalogue = (await mod(bot, "!utskick katalog"))[-1]
    assert "bankid_on_request" in catalogue and "granskas" in catalogue
    await bot.stop()


def test_resident_facing_broadcast_strings_exist_in_every_enabled_language() -> None:
    from bot.i18n import Catalog, placeholders
    from config.base import LOCALES_DIR

    catalog = Catalog.load(LOCALES_DIR)
    keys = {k for k in catalog.keys("en") if k.startswith("broadcasts.")}
    assert keys == {k for k in catalog.keys("sv") if k.startswith("broadcasts.")}
    for lang in ENABLED:
        for key in keys:
            text = catalog.raw(lang, key)
            assert text is not None, f"{lang} lacks {key}"
            assert placeholders(text) == placeholders(catalog.raw("en", key) or "")
