"""The scrubber's two phone-number decisions made by Google's libphonenumber instead of the
shipped patterns, for the comparison in ``bench/scrub_authors.py`` (``phonenumbers`` is a
development dependency; the bot never imports this module)."""

from __future__ import annotations

from bot.scrub_phones import REGIONS, PhoneRule, shape_ok


def phonenumbers_rules() -> tuple[PhoneRule, PhoneRule]:
    """``national_ok`` and ``no_trunk_ok`` of ``bot.scrub_phones`` decided by libphonenumber:
    the digits must form a valid number in one of ``REGIONS`` (trunk ``0``) or in Poland /
    North America (no trunk), after the same shape checks."""
    import phonenumbers  # a development dependency: this comparison never ships

    def valid_in(digits: str, regions: tuple[str, ...]) -> bool:
        for region in regions:
            try:
                number = phonenumbers.parse(digits, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return True
        return False

    def national(groups: list[str], seps: list[str]) -> bool:
        digits = "".join(groups)
        if not 8 <= len(digits) <= 11 or digits[0] != "0" or digits[1] == "0":
            return False
        if not shape_ok(groups, seps, digits):
            return False
        return valid_in(digits, tuple(REGIONS))

    def no_trunk(groups: list[str], seps: list[str]) -> bool:
        digits = "".join(groups)
        if digits[0] == "0" or "000" in groups or len(digits) not in (9, 10):
            return False
        if not shape_ok(groups, seps, digits):
            return False
        return valid_in(digits, ("PL",) if len(digits) == 9 else ("US", "CA"))

    return national, no_trunk
