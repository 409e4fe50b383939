"""The history's customer-satisfaction surveys: sent when a conversation is resolved, answered
by about a quarter of customers, as ``csat_response`` rows and ``survey_sent`` events.

Scores follow the outcome: a smooth first-contact resolution is mostly 4s and 5s, a hand-off
costs some, and a breached SLA or a reopening costs most (CSAT ~80 % / ~60 % / ~35 %). The
draws come from a random source of their own, seeded from the plan's seed, so the surveys are
reproducible and adding them moved no draw of the other stages (core.seed.run).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from core.models import Channel, CsatResponse, EventType, SurveyChannel
from core.seed.rows import Row
from core.seed.run import MINUTE, SeedRun
from core.seed.story import Step

SURVEY_BY_CHANNEL = {
    Channel.PHONE: SurveyChannel.PHONE_IVR,  # the post-call IVR survey
    Channel.EMAIL: SurveyChannel.EMAIL_LINK,
    Channel.WEBFORM: SurveyChannel.EMAIL_LINK,
    Channel.SOCIAL: SurveyChannel.WEB,
}
RESPONSE_RATE = {
    SurveyChannel.PHONE_IVR: 0.30,
    SurveyChannel.EMAIL_LINK: 0.20,
    SurveyChannel.WEB: 0.15,
}
SMOOTH = {5: 52, 4: 30, 3: 9, 2: 5, 1: 4}
HANDED_ON = {5: 30, 4: 30, 3: 18, 2: 12, 1: 10}
WENT_WRONG = {5: 14, 4: 21, 3: 22, 2: 20, 1: 23}  # SLA breached or reopened
COMMENT_CHANCE = 0.35
COMMENTS = {
    "good": {
        "zh": ["处理很快，谢谢！", "客服很耐心，问题解决了。", "服务态度好，点赞。"],
        "en": ["Quick and friendly, thanks!", "Sorted on the first call.", "Very helpful agent."],
    },
    "neutral": {
        "zh": ["问题解决了，但等待时间有点长。", "还行吧。"],
        "en": ["Fixed in the end, but the wait was long.", "OK I guess."],
    },
    "bad": {
        "zh": ["等了太久，问题反复出现。", "转了好几次人工，还是没解决好。", "太慢了，很失望。"],
        "en": ["Took far too long.", "I had to explain it three times.", "Still not really fixed."],
    },
}


class CsatHistory:
    """Surveys of resolved history conversations, drawn from their own random source."""

    def __init__(self, run: SeedRun) -> None:
        self.run = run
        self.rng = random.Random(f"csat-{run.plan.seed}")

    def survey(
        self, conversation: Row, *, resolved_at: datetime, handed_on: bool, went_wrong: bool
    ) -> list[Step]:
        """The survey sent a minute after the (last) resolution, and maybe its answer; the
        ``survey_sent`` step is returned for the timeline if it happened by now."""
        rng, now = self.rng, self.run.now
        sent_at = resolved_at + MINUTE
        if sent_at > now:
            return []
        channel = SURVEY_BY_CHANNEL[conversation["channel"]]
        sent = Step(sent_at, EventType.SURVEY_SENT, data={"survey_channel": channel.value})
        if rng.random() >= RESPONSE_RATE[channel]:
            return [sent]
        if channel is SurveyChannel.PHONE_IVR:
            delay = timedelta(seconds=rng.randint(20, 90))  # the caller stays on the line
        else:
            delay = timedelta(minutes=min(3 * 24 * 60, 2 + rng.expovariate(1 / 300)))
        answered_at = sent_at + delay
        if answered_at > now:
            return [sent]
        weights = WENT_WRONG if went_wrong else HANDED_ON if handed_on else SMOOTH
        score = rng.choices(list(weights), list(weights.values()))[0]
        comment = ""
        if rng.random() < COMMENT_CHANCE:
            mood = "good" if score >= 4 else "neutral" if score == 3 else "bad"
            language = conversation.get("language") or "zh"
            comment = rng.choice(COMMENTS[mood]["en" if language == "en" else "zh"])
        self.run.rows.add(
            CsatResponse,
            answered_at,
            conversation_id=conversation["id"],
            score=score,
            comment=comment,
            channel=channel,
            answered_at=answered_at,
        )
        return [sent]
