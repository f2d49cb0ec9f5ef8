"""The moderation room's work: how tips are relayed and related, and the limits that keep one
sender from flooding it. This module imports nothing from the rest of Tryggbot outside
``config``."""

from __future__ import annotations

from pydantic import Field

from config.base import LangCode, Model


class LimitSettings(Model):
    max_message_chars: int = Field(default=4000, ge=100, le=65536)
    flood_messages: int = Field(default=30, ge=2, le=1000)
    flood_seconds: int = Field(default=60, ge=1, le=3600)
    tips_per_hour: int = Field(default=3, ge=1, le=100)


class ModerationSettings(Model):
    # Relay any plain reply in a tip's thread to the reporter (as well as !fråga).
    relay_thread_replies: bool = False
    # Tips of the same category and locality within this many days are "possibly related".
    related_window_days: int = Field(default=14, ge=1, le=365)
    # Language of tip cards and moderation answers.
    language: LangCode = "sv"
