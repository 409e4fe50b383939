"""The demo tenant's customers and their identities: phones, emails, social and web ids."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from faker import Faker

from core.models import Contact, ContactIdentity, IdentityKind, ValueTier
from core.seed import texts
from core.seed.rows import CHUNK_SIZE
from core.seed.run import SeedRun

VALUE_TIERS = dict(zip(ValueTier, (70, 15, 9, 4, 2), strict=True))  # standard ... vip (D8)
SEGMENTS = {"consumer": 80, "business": 17, "government": 3}
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
US_AREA_CODES = ("206", "212", "213", "312", "415", "617", "646", "702")


@dataclass(slots=True)
class SeededContact:
    """What conversations need of a customer: language, value, and an identity per kind."""

    id: uuid.UUID
    language: str
    value_tier: ValueTier
    handle: str
    identities: dict[IdentityKind, uuid.UUID]


class ContactBook:
    """The customers made so far and every identity value taken (values are unique per tenant)."""

    def __init__(self, run: SeedRun) -> None:
        self.run = run
        self.fakers = {"zh": Faker("zh_CN"), "en": Faker("en_US")}
        for faker in self.fakers.values():
            faker.seed_instance(run.plan.seed)
        self.contacts: list[SeededContact] = []
        self.taken: set[tuple[IdentityKind, str]] = set()

    def seed(self) -> None:
        """Customers, ~60% zh and 40% en: each has a phone, most an email, some social or web ids."""
        run = self.run
        rng, total = run.rng, run.plan.contacts
        for done in range(1, total + 1):
            language = "zh" if rng.random() < 0.6 else "en"
            fake = self.fakers[language]
            if language == "zh":
                name, handle = fake.name(), fake.user_name()
            else:
                first, last = fake.first_name(), fake.last_name()
                name, handle = f"{first} {last}", f"{first}.{last}"
            segment, value_tier = run.weighted(SEGMENTS), run.weighted(VALUE_TIERS)
            at = run.founded + (run.window_start - run.founded) * rng.random()
            attributes = {
                "plan": rng.choice(texts.PLANS[segment]),
                "account_no": f"NW{rng.randrange(10**10):010d}",
                "city": rng.choice(texts.CITIES)[0 if language == "zh" else 1],
                "customer_since": rng.randint(2005, run.now.year),
            }
            row = run.rows.add(
                Contact,
                at,
                name=name,
                value_tier=value_tier,
                segment=segment,
                language=language,
                attributes=attributes,
                updated_at=at,
            )
            handle = re.sub(r"[^a-z0-9._]", "", handle.lower()).strip(".") or "customer"
            contact = SeededContact(row["id"], language, value_tier, handle, {})
            self.contacts.append(contact)
            self._phone(contact, at)
            if rng.random() < (0.7 if language == "zh" else 0.9):
                self.add_email(contact, at)
            if rng.random() < 0.2:
                self._social(contact, at)
            if rng.random() < 0.3:
                value = self._free(IdentityKind.WEB, lambda _: f"wv_{rng.getrandbits(64):016x}")
                self._identity(contact, at, IdentityKind.WEB, value, None)
            if done % CHUNK_SIZE == 0 or done == total:
                run.rows.flush()
                run.progress("contacts", done, total)

    def add_email(self, contact: SeededContact, at: datetime) -> None:
        """An email address built from the contact's handle, numbered if another has it."""
        domain = self.run.rng.choice(EMAIL_DOMAINS)
        value = self._free(IdentityKind.EMAIL, lambda n: f"{contact.handle}{n or ''}@{domain}")
        self._identity(contact, at, IdentityKind.EMAIL, value, value)

    def _free(self, kind: IdentityKind, candidate: Callable[[int], str]) -> str:
        """The first candidate no identity of this kind has yet: values are unique per tenant."""
        attempt = 0
        while (kind, value := candidate(attempt)) in self.taken:
            attempt += 1
        self.taken.add((kind, value))
        return value

    def _identity(
        self,
        contact: SeededContact,
        at: datetime,
        kind: IdentityKind,
        value: str,
        display: str | None,
    ) -> None:
        verified = kind is IdentityKind.PHONE or (
            kind is IdentityKind.EMAIL and self.run.rng.random() < 0.6
        )
        identity = self.run.rows.add(
            ContactIdentity,
            at,
            contact_id=contact.id,
            kind=kind,
            value=value,
            display=display,
            verified=verified,
        )
        contact.identities[kind] = identity["id"]

    def _phone(self, contact: SeededContact, at: datetime) -> None:
        """E.164: +86 mobile numbers for zh contacts, +1 (area) 555 numbers for en contacts."""
        rng = self.run.rng
        if contact.language == "zh":
            value = self._free(
                IdentityKind.PHONE, lambda _: f"+861{rng.choice('35789')}{rng.randrange(10**9):09d}"
            )
            display = f"{value[3:6]} {value[6:10]} {value[10:]}"
        else:
            value = self._free(
                IdentityKind.PHONE,
                lambda _: f"+1{rng.choice(US_AREA_CODES)}555{rng.randrange(10**4):04d}",
            )
            display = f"({value[2:5]}) {value[5:8]}-{value[8:]}"
        self._identity(contact, at, IdentityKind.PHONE, value, display)

    def _social(self, contact: SeededContact, at: datetime) -> None:
        network = "weibo" if contact.language == "zh" else "x"
        value = self._free(IdentityKind.SOCIAL, lambda n: f"{network}:{contact.handle}{n or ''}")
        self._identity(contact, at, IdentityKind.SOCIAL, value, "@" + value.partition(":")[2])
