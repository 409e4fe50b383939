"""Who may take what: required skills at a level, and languages (D6).

A conversation's requirements are its queue's skills plus ``language:<tag>`` for its language.
Language requirements are met by the agent's spoken languages (``User.languages``), compared by
primary subtag, so "zh" and "zh-CN" both go to an agent who speaks "zh"; other skills by the
agent's graded AgentSkill rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

LANGUAGE_PREFIX = "language:"


def primary_subtag(tag: str) -> str:
    return tag.strip().split("-", 1)[0].lower()


def language_requirement(language: str | None) -> dict[str, int]:
    """The requirement a conversation's language adds (none without a language)."""
    if not language or not primary_subtag(language):
        return {}
    return {f"{LANGUAGE_PREFIX}{primary_subtag(language)}": 1}


def required_skills_for(queue_skills: Mapping[str, int], language: str | None) -> dict[str, int]:
    return {**dict(queue_skills), **language_requirement(language)}


def split_requirements(required: Mapping[str, int]) -> tuple[dict[str, int], list[str]]:
    """Graded skills, and the languages (primary subtags) required."""
    skills = {k: int(v) for k, v in required.items() if not k.startswith(LANGUAGE_PREFIX)}
    languages = sorted(
        {
            primary_subtag(k[len(LANGUAGE_PREFIX) :])
            for k in required
            if k.startswith(LANGUAGE_PREFIX)
        }
    )
    return skills, languages


def spoken(languages: Iterable[str]) -> set[str]:
    return {primary_subtag(language) for language in languages if primary_subtag(language)}


def meets(
    required: Mapping[str, int], *, skills: Mapping[str, int], languages: Iterable[str]
) -> bool:
    """Whether an agent holding ``skills`` and speaking ``languages`` may take the work."""
    graded, needed_languages = split_requirements(required)
    if not set(needed_languages) <= spoken(languages):
        return False
    return all(skills.get(name, 0) >= level for name, level in graded.items())
