"""The select stage: rank a brief's files against its goal (or, without one, by their place in
the code), outline them, and plan the ladder (full text -> outline -> path) that fits a budget.
Pure: profiles, paths and counts in; ranks, outlines and levels out."""

from briefpack.select.kinds import kind, kind_weight
from briefpack.select.ladder import Level, PinTooLarge, Plan, arrange, demote, plan
from briefpack.select.outline import outline
from briefpack.select.profile import Profile, ProfileCache, profile, profiles
from briefpack.select.rank import Query, Ranked, rank_files

__all__ = [
    "Level",
    "PinTooLarge",
    "Plan",
    "Profile",
    "ProfileCache",
    "Query",
    "Ranked",
    "arrange",
    "demote",
    "kind",
    "kind_weight",
    "outline",
    "plan",
    "profile",
    "profiles",
    "rank_files",
]
