"""The LINE stand-in: LINE's OpenAPI rules, LINE's answers, every request recorded.

The real line-bot-sdk v3 client talks HTTP to the blueprint served by werkzeug
on 127.0.0.1; nothing leaves the loopback interface.
"""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.request
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexCarousel,
    FlexMessage,
    FlexText,
    MessageAction,
    MessagingApi,
    MessagingApiBlob,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.sandbox.line_api import line_api_bp
from bot.sandbox.line_spec import LineSpec
from bot.sandbox.openapi import DISPATCH
from models import crypto
from models.base import Base, utcnow
from models.db import db
from models.sandbox import (
    SandboxLineRequest,
    consume_reply_token,
    issue_reply_token,
    line_requests_since,
)

PREFIX = "/sandbox/line-api"
TOKEN = "sandbox-access-token"  # noqa: S105 - not a secret


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """The blueprint alone in a minimal app, served on a loopback port."""
    crypto.install_keyring(crypto.Keyring.from_setting(crypto.Keyring.generate()))
    db.bind(f"sqlite:///{tmp_path_factory.mktemp('standin') / 'standin.sqlite'}")
    Base.metadata.create_all(db.engine)
    app = Flask(__name__)
    app.register_blueprint(line_api_bp, url_prefix=PREFIX)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)  # fmt: skip
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{PREFIX}"
    finally:
        server.shutdown()


def _client(host: str, token: str = TOKEN) -> ApiClient:
    # Configuration.host wins over the operation's own server in ApiClient.__call_api,
    # so one Configuration serves MessagingApi and MessagingApiBlob alike.
    return ApiClient(Configuration(host=host, access_token=token))


@pytest.fixture
def api(standin):
    with _client(standin) as client:
        yield MessagingApi(client)


@pytest.fixture
def blob(standin):
    with _client(standin) as client:
        yield MessagingApiBlob(client)


@pytest.fixture
def user() -> str:
    return "U" + uuid.uuid4().hex


def _reply_token(user_id: str) -> str:
    with db.unit_of_work() as s:
        token = issue_reply_token(s, user_id)
        s.commit()
    return token


def _recorded(user_id: str | None = None, after: int = 0) -> list[dict]:
    with db.unit_of_work() as s:
        return [row.as_dict() for row in line_requests_since(s, after, to=user_id)]


def _last() -> dict:
    with db.unit_of_work() as s:
        query = select(SandboxLineRequest).order_by(SandboxLineRequest.id.desc())
        return s.scalars(query).first().as_dict()


def _control(url: str, payload: dict | None = None) -> dict:
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback only
        return json.loads(resp.read())


def _items(n: int, label: str = "はい") -> list[QuickReplyItem]:
    return [QuickReplyItem(action=MessageAction(label=label, text=f"{i}")) for i in range(n)]


def _quick_reply(n: int = 3, label: str = "はい") -> QuickReply:
    return QuickReply(items=_items(n, label))


def _carousel() -> FlexMessage:
    bubble = FlexBubble(
        body=FlexBox(layout="vertical", contents=[FlexText(text="5月10日 10:00 川中支所")]),
        footer=FlexBox(
            layout="vertical",
            contents=[FlexButton(action=PostbackAction(label="この枠で予約", data="slot=1"))],
        ),
    )
    return FlexMessage(alt_text="空き枠", contents=FlexCarousel(contents=[bubble, bubble]))


def _png(width: int = 2500, height: int = 843) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def _refused(call, *args, **kwargs) -> ApiException:
    with pytest.raises(ApiException) as caught:
        call(*args, **kwargs)
    return caught.value


# -- through the real SDK ------------------------------------------------------------------


def test_reply_with_quick_reply_is_accepted_and_recorded(api, user):
    token = _reply_token(user)
    message = TextMessage(text="ご用件を選んでください", quick_reply=_quick_reply(13))
    sent = api.reply_message(ReplyMessageRequest(reply_token=token, messages=[message]))
    assert len(sent.sent_messages) == 1 and sent.sent_messages[0].id.isdigit()
    [row] = _recorded(user)
    assert (row["operationId"], row["status"], row["replyToken"]) == ("replyMessage", 200, token)
    assert row["body"]["messages"][0]["quickReply"]["items"][12]["action"]["text"] == "12"


def test_a_reply_token_works_once(api, user):
    token = _reply_token(user)
    request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="一度目")])
    api.reply_message(request)
    err = _refused(api.reply_message, request)
    assert err.status == 400 and json.loads(err.body) == {"message": "Invalid reply token"}
    assert _recorded(user)[-1]["errors"] == [{"property": "replyToken", "message": "used"}]


def test_an_unknown_reply_token_is_refused(api):
    request = ReplyMessageRequest(reply_token="f" * 32, messages=[TextMessage(text="x")])
    assert _refused(api.reply_message, request).status == 400


def test_push_flex_carousel_with_retry_key_then_repeat_is_409(api, user):
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=user, messages=[_carousel()])
    first = api.push_message_with_http_info(request, x_line_retry_key=key)
    assert first.status_code == 200
    err = _refused(api.push_message, request, x_line_retry_key=key)
    assert err.status == 409
    assert err.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert json.loads(err.body)["message"] == "The retry key is already accepted"
    assert [r["status"] for r in _recorded(user)] == [200, 409]


def test_a_retry_key_that_is_no_uuid_is_refused(api, user):
    request = PushMessageRequest(to=user, messages=[TextMessage(text="x")])
    err = _refused(api.push_message, request, x_line_retry_key="retry-1")
    assert err.status == 400
    assert "X-Line-Retry-Key" in json.loads(err.body)["message"]


@pytest.mark.parametrize(
    ("messages", "prop"),
    [
        # PushMessageRequest.construct: the SDK's own checks would stop these before sending.
        ([TextMessage(text="x")] * 6, "messages"),
        (
            [TextMessage(text="x", quick_reply=QuickReply.construct(items=_items(14)))],
            "messages[0].quickReply.items",
        ),
        # The SDK lets these through; LINE refuses them.
        (
            [TextMessage(text="x", quick_reply=_quick_reply(1, label="あ" * 21))],
            "messages[0].quickReply.items[0].action.label",
        ),
        ([TextMessage(text="")], "messages[0].text"),
        ([TextMessage(text="x" * 5001)], "messages[0].text"),
    ],
    ids=["6-messages", "14-quick-replies", "21-char-label", "empty-text", "5001-chars"],
)
def test_invalid_push_is_refused_with_details_and_recorded(api, user, messages, prop):
    err = _refused(api.push_message, PushMessageRequest.construct(to=user, messages=messages))
    assert err.status == 400
    body = json.loads(err.body)
    assert body["message"].startswith("The request body has")
    assert prop in [d["property"] for d in body["details"]]
    [row] = _recorded(user)
    assert row["status"] == 400 and prop in [e["property"] for e in row["errors"]]


def test_unknown_message_type_posted_as_raw_json_is_refused(standin, user):
    with _client(standin) as client:
        err = _refused(
            client.call_api,
            "/v2/bot/message/push",
            "POST",
            header_params={"Content-Type": "application/json"},
            body={"to": user, "messages": [{"type": "hologram", "text": "x"}]},
            auth_settings=["Bearer"],
            response_types_map={"200": "PushMessageResponse"},
        )
    assert err.status == 400
    assert json.loads(err.body)["details"][0]["property"] == "messages[0].type"


def test_an_empty_bearer_token_is_401(standin, user):
    # The SDK always sends "Authorization: Bearer <token>"; an unset token gives "Bearer ".
    with _client(standin, token="") as client:
        request = PushMessageRequest(to=user, messages=[TextMessage(text="x")])
        assert _refused(MessagingApi(client).push_message, request).status == 401
    assert _recorded(user)[0]["status"] == 401


def test_rich_menu_create_and_image_upload_go_to_the_standin(api, blob):
    menu = RichMenuRequest(
        size=RichMenuSize(width=2500, height=843),
        selected=True,
        name="main",
        chat_bar_text="メニュー",
        areas=[
            RichMenuArea(
                bounds=RichMenuBounds(x=0, y=0, width=1250, height=843),
                action=MessageAction(label="予約", text="予約"),
            )
        ],
    )
    menu_id = api.create_rich_menu(menu).rich_menu_id
    assert menu_id.startswith("richmenu-") and len(menu_id) == 41
    # The SDK JSON-encodes a body sent without a Content-Type: give it, as LINE requires.
    blob.set_rich_menu_image(menu_id, _png(), _headers={"Content-Type": "image/png"})
    row = _last()
    assert (row["operationId"], row["status"]) == ("setRichMenuImage", 200)
    assert row["path"] == f"/v2/bot/richmenu/{menu_id}/content"
    err = _refused(
        blob.set_rich_menu_image, menu_id, b"GIF89a", _headers={"Content-Type": "image/gif"}
    )
    assert err.status == 415


def test_profile_bot_info_and_loading_animation_answer_like_line(api, user):
    assert api.get_profile(user).user_id == user
    assert api.get_bot_info().basic_id == "@sandbox"
    shown = api.show_loading_animation_with_http_info(ShowLoadingAnimationRequest(chat_id=user))
    assert shown.status_code == 202  # the spec's success status for this operation


def test_simulated_outage_fails_the_next_requests_then_recovers(standin, api, user):
    assert _control(f"{standin}/_sandbox/fault", {"count": 2, "status": 500}) == {
        "count": 2,
        "status": 500,
    }
    request = PushMessageRequest(to=user, messages=[TextMessage(text="リマインド")])
    key = str(uuid.uuid4())
    assert _refused(api.push_message, request, x_line_retry_key=key).status == 500
    assert _refused(api.push_message, request, x_line_retry_key=key).status == 500
    api.push_message(request, x_line_retry_key=key)  # a failed key may be retried
    assert [r["status"] for r in _recorded(user)] == [500, 500, 200]


def test_requests_endpoint_lists_a_users_requests_after_an_id(standin, api, user):
    for text in ("一", "二"):
        api.push_message(PushMessageRequest(to=user, messages=[TextMessage(text=text)]))
    listed = _control(f"{standin}/_sandbox/requests?to={user}")
    texts = [r["body"]["messages"][0]["text"] for r in listed["requests"]]
    assert texts == ["一", "二"] and listed["requests"][0]["to"] == user
    later = _control(f"{standin}/_sandbox/requests?to={user}&after={listed['lastId']}")
    assert later == {"requests": [], "lastId": listed["lastId"]}


def test_recipient_and_body_are_encrypted_at_rest(api, user):
    api.push_message(PushMessageRequest(to=user, messages=[TextMessage(text="山田様")]))
    with db.engine.connect() as conn:
        raw = conn.exec_driver_sql(
            'SELECT "to", body FROM sandbox_line_requests ORDER BY id DESC LIMIT 1'
        ).one()
    assert user not in raw[0] and "山田" not in raw[1]


# -- the model -----------------------------------------------------------------------------


def test_reply_token_expires_after_the_guaranteed_minute(standin, user):
    with db.unit_of_work() as s:
        token = issue_reply_token(s, user)
        assert len(token) == 32 and int(token, 16) >= 0
        assert consume_reply_token(s, token, now=utcnow() + timedelta(minutes=2)) == "expired"
        assert consume_reply_token(s, token) == "ok"
        assert consume_reply_token(s, token) == "used"
        assert consume_reply_token(s, "0" * 32) == "unknown"


# -- LineSpec on raw dicts -----------------------------------------------------------------

AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def spec() -> LineSpec:
    return LineSpec.load()


def _push(spec: LineSpec, *messages: dict, headers: dict | None = None):
    body = json.dumps({"to": "U1", "messages": list(messages)}).encode()
    return spec.validate("POST", "/v2/bot/message/push", headers or AUTH, body)


def _bubble(*contents: dict) -> dict:
    body = {"type": "box", "layout": "vertical", "contents": list(contents)}
    return {"type": "flex", "altText": "a", "contents": {"type": "bubble", "body": body}}


def _button(label: str) -> dict:
    return {"type": "button", "action": {"type": "postback", "label": label, "data": "d"}}


def test_spec_loads_fast_and_once():
    started = time.perf_counter()
    first = LineSpec.load()
    assert LineSpec.load() is first
    assert time.perf_counter() - started < 2.0  # ~0.1 s with libyaml, once per process


@pytest.mark.parametrize(
    ("message", "prop"),
    [
        ({"type": "text"}, "messages[0].text"),
        ({"type": "text", "text": ""}, "messages[0].text"),
        ({"type": "postcard"}, "messages[0].type"),
        ({"text": "x"}, "messages[0].type"),
        (_bubble({"type": "marquee", "text": "x"}), "messages[0].contents.body.contents[0].type"),
        (_bubble(_button("b" * 41)), "messages[0].contents.body.contents[0].action.label"),
        ({**_bubble(), "altText": "a" * 1501}, "messages[0].altText"),
        (
            {
                "type": "text",
                "text": "x",
                "quickReply": {
                    "items": [
                        {
                            "type": "action",
                            "action": {"type": "message", "label": "x" * 21, "text": "x"},
                        }
                    ]
                },
            },
            "messages[0].quickReply.items[0].action.label",
        ),
        (
            {
                "type": "text",
                "text": "x",
                "quickReply": {
                    "items": [{"type": "action", "action": {"type": "teleport", "label": "x"}}]
                },
            },
            "messages[0].quickReply.items[0].action.type",
        ),
    ],
)
def test_spec_refuses_what_line_refuses(spec, message, prop):
    result = _push(spec, message)
    assert result.status == 400, result
    assert prop in [e.property for e in result.errors]


def test_spec_accepts_a_flex_button_label_of_40_characters(spec):
    assert _push(spec, _bubble(_button("b" * 40))).status == 200


def test_every_discriminated_type_refuses_an_unknown_type(spec):
    dispatchers = [name for name, schema in spec.schemas.items() if DISPATCH in schema]
    assert {"Message", "Action", "FlexComponent", "FlexContainer", "Template"} <= set(dispatchers)
    for name in dispatchers:
        validator = spec.validator_for({"$ref": f"#/components/schemas/{name}"})
        assert not validator.is_valid({"type": "no-such-type"}), name


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "operation"),
    [
        ("POST", "/v2/bot/message/push", {"Content-Type": "application/json"}, 401, "pushMessage"),
        ("POST", "/v2/bot/message/push", {"Authorization": "Basic x"}, 401, "pushMessage"),
        (
            "POST",
            "/v2/bot/message/push",
            {**AUTH, "Content-Type": "text/plain"},
            415,
            "pushMessage",
        ),
        ("GET", "/v2/bot/message/push", AUTH, 405, None),
        ("GET", "/v2/bot/no/such/path", AUTH, 404, None),
        ("GET", "/v2/bot/richmenu/list", AUTH, 200, "getRichMenuList"),
        ("GET", "/v2/bot/richmenu/richmenu-1", AUTH, 200, "getRichMenu"),
        ("GET", "/v2/bot/followers/ids?limit=5000", AUTH, 400, "getFollowers"),
        ("GET", "/v2/bot/followers/ids?limit=ten", AUTH, 400, "getFollowers"),
    ],
)
def test_spec_routes_and_checks_headers_and_params(spec, method, path, headers, status, operation):
    body = json.dumps({"to": "U1", "messages": [{"type": "text", "text": "x"}]}).encode()
    result = spec.validate(method, path, headers, body if method == "POST" else b"")
    assert (result.status, result.operation_id) == (status, operation)


def test_spec_validates_a_typical_reply_in_a_few_milliseconds(spec):
    message = {
        "type": "text",
        "text": "x" * 200,
        "quickReply": {
            "items": [
                {"type": "action", "action": {"type": "message", "label": "はい", "text": "はい"}}
            ]
            * 13
        },
    }
    body = json.dumps({"replyToken": "t" * 32, "messages": [message, _bubble(_button("b"))]})
    started = time.perf_counter()
    for _ in range(50):
        assert spec.validate("POST", "/v2/bot/message/reply", AUTH, body.encode()).ok
    assert (time.perf_counter() - started) / 50 < 0.05


class _Sent(Exception):
    """Raised instead of sending, with the URL the SDK would have used."""


@pytest.mark.parametrize(
    ("host", "api_url", "blob_url"),
    [
        (
            None,
            "https://api.line.me/v2/bot/info",
            "https://api-data.line.me/v2/bot/richmenu/r/content",
        ),
        (
            "http://127.0.0.1:9/sb",
            "http://127.0.0.1:9/sb/v2/bot/info",
            "http://127.0.0.1:9/sb/v2/bot/richmenu/r/content",
        ),
        # A host of api.line.me sends blobs to the wrong server: leave host unset in production.
        (
            "https://api.line.me",
            "https://api.line.me/v2/bot/info",
            "https://api.line.me/v2/bot/richmenu/r/content",
        ),
    ],
)
def test_configuration_host_replaces_both_line_hosts(host, api_url, blob_url):
    client = ApiClient(Configuration(host=host, access_token=TOKEN))

    def stop(method, url, *args, **kwargs):
        raise _Sent(url)

    client.rest_client.request = stop  # nothing leaves the process
    with pytest.raises(_Sent, match=api_url):
        MessagingApi(client).get_bot_info()
    with pytest.raises(_Sent, match=blob_url):
        MessagingApiBlob(client).set_rich_menu_image(
            "r", b"x", _headers={"Content-Type": "image/png"}
        )
