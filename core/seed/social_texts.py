"""What the public says about the demo carrier (Northwind / 北风通信): posts for the demo
tenant's social history and for the social benchmark, in Chinese, English and both at once."""

from __future__ import annotations

import random
from dataclasses import dataclass

BRANDS = {
    "zh": ("北风通信", "北风", "北风移动"),
    "en": ("Northwind", "@northwind", "Northwind Mobile"),
}

NEGATIVE: dict[str, list[str]] = {
    "zh": [
        "{brand}又乱扣费了，这个月话费莫名其妙多了{n}块，客服电话打了一个小时打不通",
        "{brand}信号太差了，地铁里一直掉线，{city}这边已经三天了",
        "{brand}宽带又断网了，在家办公根本没法开会，投诉也没人管",
        "套路满满！{brand}偷偷给我开了视频彩铃，每月扣{n}元，坚决要求退费",
        "{brand}的5G就是个笑话，网速比4G还慢，垃圾运营商",
        "想携号转网，{brand}各种刁难，销户比登天还难",
        "{brand}客服态度太差了，问三遍都说不清楚，气死了",
        "{city}的{brand}用户今天是不是都没信号？我这边完全断网了",
    ],
    "en": [
        "{brand} overcharged me again, {n} dollars of hidden fees on this bill. Unbelievable",
        "Dropped calls all day with {brand} in {city}. No signal at all, worst network ever",
        "Been on hold with {brand} support for an hour, still no answer. Useless",
        "{brand} outage again?? Whole neighbourhood in {city} has no internet",
        "Trying to cancel my contract with {brand} and they keep making it impossible. Total ripoff",
        "{brand} charged me twice for roaming. Scam company, never again",
        "My {brand} 5G is slower than 3G. Paying premium for garbage",
        "{brand} billing system is broken, everyone I know got a wrong bill this month",
    ],
    "mixed": [
        "{brand}的客服 literally hung up on me，太离谱了",
        "又被{brand}扣费了 {n} 块 wtf，I never ordered this",
        "{brand} 5G 信号差到爆 in {city}, calls keep dropping 一直掉线",
        "Why is {brand} 的账单 always wrong? 第三个月了",
    ],
}
NEUTRAL: dict[str, list[str]] = {
    "zh": [
        "请问{brand}的话费怎么查询？",
        "{brand}发布了新的5G套餐，月费{n}元",
        "有人知道{brand}营业厅几点关门吗",
        "{brand}宣布将在{city}新建{n}个基站",
        "{brand}国际漫游要提前开通吗？下周出差",
    ],
    "en": [
        "How do I check my data balance with {brand}?",
        "{brand} announces new 5G plans starting at {n} dollars a month",
        "Does anyone know if {brand} stores are open on Sunday in {city}?",
        "{brand} to build {n} new cell towers in {city}, says press release",
        "Is {brand} roaming included in the basic plan?",
    ],
    "mixed": [
        "{brand} 的 eSIM 怎么开通? any tips",
        "Anyone tried {brand} 新出的 family plan?",
    ],
}
POSITIVE: dict[str, list[str]] = {
    "zh": [
        "{brand}的客服小姐姐太给力了，十分钟就帮我解决了问题，点赞",
        "{brand}在{city}的信号真的好了很多，好评",
        "换了{brand}的套餐，网速快价格也便宜，很满意",
        "感谢{brand}的工程师上门修好了宽带，服务很专业",
    ],
    "en": [
        "Shoutout to {brand} support, fixed my issue in ten minutes. Great service",
        "{brand} coverage in {city} is so much better now, impressed",
        "Switched to {brand} and my bill went down. Happy customer",
        "Thank you {brand} for sorting out my roaming so quickly",
    ],
    "mixed": [
        "{brand} 的客服 super helpful，问题很快解决了 thanks",
        "新套餐 is great，{brand} 好评",
    ],
}
CITIES = {
    "zh": ("北京", "深圳", "广州", "天津"),
    "en": ("Beijing", "Shenzhen", "Guangzhou", "Tianjin"),
}
LANGUAGES = ("zh", "en", "mixed")
LANGUAGE_WEIGHTS = (55, 35, 10)
MOOD_WEIGHTS = {"negative": 45, "neutral": 30, "positive": 25}
OFF_TOPIC = {
    "zh": ["今天天气不错，出去走走", "这家火锅店太好吃了", "周末去看电影了"],
    "en": ["Lovely weather today", "This coffee place is great", "Watching the match tonight"],
}

# Monitors of the demo tenant and the benchmark: (name, rule, category, watch terms).
MONITORS: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    ("Brand", "北风 OR Northwind", None, ("315", "曝光", "律师", "lawsuit", "class action")),
    (
        "Billing complaints",
        "(北风 OR Northwind) AND (扣费 OR 话费 OR 账单 OR bill OR billing OR overcharged "
        "OR charged OR fees)",
        "billing",
        ("退费", "refund"),
    ),
    (
        "Network faults",
        "(北风 OR Northwind) AND (信号 OR 掉线 OR 断网 OR 网速 OR outage OR signal OR calls "
        "OR internet OR 5G)",
        "network_fault",
        (),
    ),
    ("Service", "(北风 OR Northwind) AND (客服 OR support OR hold OR 态度)", "service", ()),
    ("Churn risk", "(北风 OR Northwind) AND (携号转网 OR 销户 OR cancel OR switched)", None, ()),
)


@dataclass(frozen=True, slots=True)
class PostText:
    text: str
    language: str
    mood: str
    about_us: bool


class PostWriter:
    """Draws post texts: most about the brand, some off topic, moods as in real traffic."""

    def __init__(self, rng: random.Random, *, off_topic_share: float = 0.25) -> None:
        self.rng = rng
        self.off_topic_share = off_topic_share

    def draw(self, *, mood: str | None = None, language: str | None = None) -> PostText:
        rng = self.rng
        language = language or rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
        if mood is None and rng.random() < self.off_topic_share:
            base = "en" if language == "en" else "zh"
            return PostText(rng.choice(OFF_TOPIC[base]), base, "neutral", False)
        mood = mood or rng.choices(list(MOOD_WEIGHTS), list(MOOD_WEIGHTS.values()))[0]
        pool = {"negative": NEGATIVE, "neutral": NEUTRAL, "positive": POSITIVE}[mood][language]
        script = "en" if language == "en" else "zh"
        text = rng.choice(pool).format(
            brand=rng.choice(BRANDS[script]),
            city=rng.choice(CITIES[script]),
            n=rng.choice((10, 30, 50, 88, 129, 200)),
        )
        return PostText(text, language, mood, True)
