"""Every TwiML answer in the tests is parsed and checked against this table.

Root <Response>; only verbs and attributes Twilio documents (the subset we
use, plus the common ones); language ja-JP on every <Say> and <Gather>;
no empty <Say>; Gather/Dial/Record actions are our own relative URLs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# fmt: off
VERBS: dict[str, set[str]] = {
    "Say": {"voice", "language", "loop"},
    "Gather": {
        "action", "method", "timeout", "finishOnKey", "numDigits", "input", "language",
        "hints", "speechTimeout", "actionOnEmptyResult", "bargeIn", "speechModel",
        "profanityFilter", "enhanced", "partialResultCallback",
    },
    "Dial": {
        "action", "method", "timeout", "callerId", "answerOnBridge", "record", "timeLimit",
        "hangupOnStar", "ringTone",
    },
    "Number": {"sendDigits", "url", "method", "statusCallback", "statusCallbackEvent"},
    "Record": {
        "action", "method", "timeout", "finishOnKey", "maxLength", "playBeep", "trim",
        "transcribe", "transcribeCallback", "recordingStatusCallback",
        "recordingStatusCallbackMethod", "recordingStatusCallbackEvent",
    },
    "Redirect": {"method"},
    "Hangup": set(),
    "Pause": {"length"},
    "prosody": {"rate", "pitch", "volume"},
    "break": {"time", "strength"},
}
# fmt: on
CHILDREN = {
    "Response": {"Say", "Gather", "Dial", "Record", "Redirect", "Hangup", "Pause"},
    "Gather": {"Say", "Pause"},
    "Dial": {"Number"},
    "Say": {"prosody", "break"},
    "prosody": {"break"},
}


# Twilio languages the phone line speaks (bot/twilio_voice/render.py) and the voice
# each foreign one must use; Japanese uses the configured TWILIO_VOICE.
LANGUAGES = {
    "ja-JP": None,
    "en-US": "Polly.Joanna",
    "ko-KR": "Polly.Seoyeon",
    "cmn-CN": "Polly.Zhiyu",
    "vi-VN": "Google.vi-VN-Standard-A",
}
KANA = re.compile("[\u3040-\u30ff]")


def check_twiml(xml: str | bytes) -> ET.Element:
    """Parse and check a TwiML document; return the root for further asserts."""
    root = ET.fromstring(xml)
    assert root.tag == "Response", f"root is <{root.tag}>"
    _walk(root)
    return root


def _walk(node: ET.Element) -> None:
    allowed_children = CHILDREN.get(node.tag, set())
    for child in node:
        assert child.tag in allowed_children, f"<{child.tag}> inside <{node.tag}>"
        unknown = set(child.attrib) - VERBS[child.tag]
        assert not unknown, f"<{child.tag}> has unknown attributes {unknown}"
        if child.tag in ("Say", "Gather"):
            language = child.get("language")
            assert language in LANGUAGES, f"<{child.tag}> without a language we speak: {language}"
        if child.tag == "Say":
            said = "".join(child.itertext()).strip()
            assert said, "empty <Say>"
            language = child.get("language")
            if language != "ja-JP":
                # Issue 17: a foreign voice speaks its own language, never Japanese text.
                assert child.get("voice") == LANGUAGES[language], (language, child.get("voice"))
                assert not KANA.search(said), f"{language} voice given Japanese: {said[:80]!r}"
        for attr in ("action", "recordingStatusCallback"):
            if child.get(attr):
                assert child.get(attr).startswith("/twilio/"), f"{attr} {child.get(attr)!r}"
        if child.tag == "Gather":
            assert child.get("input") in ("dtmf", "dtmf speech")
        _walk(child)


def spoken(root: ET.Element) -> str:
    """Everything the caller hears, in order."""
    return "\n".join("".join(s.itertext()).strip() for s in root.iter("Say"))


def gather(root: ET.Element) -> ET.Element | None:
    return root.find("Gather")
