"""TwiML answers, built with the ``twilio`` package's VoiceResponse (never by hand).

Only documented verbs and attributes are used: Say, Play, Gather, Redirect, Enqueue, Leave,
Dial with Client, Record, Hangup. URLs are absolute; every callback is a POST.
"""

from __future__ import annotations

from collections.abc import Iterable

from twilio.twiml.voice_response import VoiceResponse

from channels.phone.prompts import Texts, text_in

POST = "POST"
AGENT_RING_SECONDS = 20
AGENT_LEG_EVENTS = "initiated ringing answered completed"


def say(response: VoiceResponse, texts: Texts, language: str) -> None:
    """Say the text in the caller's language (nothing if there is no text)."""
    text = text_in(texts, language)
    if text:
        response.say(text, language=language)


def say_each(response: VoiceResponse, texts: Texts, languages: Iterable[str]) -> None:
    """Say the text in every language it has, in the given order (a bilingual welcome)."""
    for language in languages:
        if language in texts:
            response.say(texts[language], language=language)


def gather_choice(
    response: VoiceResponse,
    *,
    prompts: list[tuple[str, str]],
    language: str,
    action: str,
    num_digits: int,
    timeout: int,
    hints: str,
    no_input_url: str,
) -> None:
    """A menu: keypad or speech, with its prompts inside; no input goes to ``no_input_url``."""
    gather = response.gather(
        input="dtmf speech",
        action=action,
        method=POST,
        num_digits=num_digits,
        timeout=timeout,
        speech_timeout="auto",
        language=language,
        hints=hints or None,
        action_on_empty_result=False,
    )
    for text, text_language in prompts:
        gather.say(text, language=text_language)
    response.redirect(no_input_url, method=POST)


def gather_digits(
    response: VoiceResponse,
    *,
    texts: Texts,
    language: str,
    digits: int,
    action: str,
    no_input_url: str,
) -> None:
    """Ask for a number on the keypad (verification), ended by # or the digit count."""
    gather = response.gather(
        input="dtmf",
        action=action,
        method=POST,
        num_digits=digits,
        finish_on_key="#",
        timeout=8,
    )
    gather.say(text_in(texts, language), language=language)
    response.redirect(no_input_url, method=POST)


def enqueue(response: VoiceResponse, *, queue_name: str, wait_url: str, action: str) -> None:
    """Put the caller in the provider's queue; ``wait_url`` plays while they wait."""
    response.enqueue(
        queue_name, action=action, method=POST, wait_url=wait_url, wait_url_method=POST
    )


def hold(response: VoiceResponse, *, lines: list[tuple[str, str]], music_url: str) -> None:
    """What a waiting caller hears: the announcements, then the hold music."""
    for text, language in lines:
        response.say(text, language=language)
    response.play(music_url)


def leave(response: VoiceResponse) -> None:
    response.leave()


def dial_agent(
    response: VoiceResponse,
    *,
    identity: str,
    action: str,
    leg_callback: str,
    record: bool,
    recording_callback: str,
) -> None:
    """Bridge the caller to the agent's softphone (``<Client>``), reporting the agent leg."""
    dial = response.dial(
        action=action,
        method=POST,
        timeout=AGENT_RING_SECONDS,
        answer_on_bridge=True,
        record="record-from-answer" if record else None,
        recording_status_callback=recording_callback if record else None,
        recording_status_callback_method=POST if record else None,
    )
    dial.client(
        identity,
        status_callback=leg_callback,
        status_callback_method=POST,
        status_callback_event=AGENT_LEG_EVENTS,
    )


def record_voicemail(
    response: VoiceResponse,
    *,
    action: str,
    transcribe_callback: str,
    recording_callback: str,
    max_length: int,
) -> None:
    """Record a message after the tone, transcribed; ``#`` or silence ends it."""
    response.record(
        action=action,
        method=POST,
        max_length=max_length,
        finish_on_key="#",
        play_beep=True,
        timeout=5,
        transcribe=True,
        transcribe_callback=transcribe_callback,
        recording_status_callback=recording_callback,
        recording_status_callback_method=POST,
    )


def goodbye(response: VoiceResponse, texts: Texts, language: str) -> None:
    say(response, texts, language)
    response.hangup()


def redirect(response: VoiceResponse, url: str) -> None:
    response.redirect(url, method=POST)


def render(response: VoiceResponse) -> str:
    return str(response.to_xml(xml_declaration=True))
