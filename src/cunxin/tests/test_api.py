import json

from django.test import Client

from cunxin.conftest import World, login


def test_bad_input_gets_a_chinese_message_naming_the_field(world: World) -> None:
    client = login(world.clerk)
    response = client.post(
        f"/api/people/residents/{world.resident('张三').pk}/reveal",
        "{}",
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert "reason" in body["message"]
    assert "必填" in body["message"]
    assert (
        client.get("/api/people/residents?limit=abc").json()["message"]
        == "提交的数据有误：limit：应为整数"
    )


def test_a_domain_error_keeps_its_code_and_message(world: World) -> None:
    response = login(world.clerk).post(
        "/api/accounts/users",
        {
            "phone": "12345",
            "name": "x",
            "password": "init-pass-123",
            "role": "collector",
            "region_code": world.village_a.code,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "phone_invalid",
        "message": "请输入正确的11位手机号。",
        "field": "phone",
    }
    assert "请输入正确的11位手机号" in response.content.decode()  # readable, not \\u escapes


def test_an_api_write_with_the_session_cookie_needs_the_csrf_token(world: World) -> None:
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(world.clerk)
    url = f"/api/people/residents/{world.resident('张三').pk}/reveal"
    refused = client.post(url, json.dumps({"reason": "核对"}), content_type="application/json")
    assert refused.status_code in (401, 403)
    client.get("/api/docs")  # sets the csrftoken cookie, as the browser would
    token = client.cookies["csrftoken"].value
    allowed = client.post(
        url, json.dumps({"reason": "核对"}), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert allowed.status_code == 200


def test_the_api_documents_itself_from_our_own_static_files(world: World) -> None:
    client = login(world.clerk)
    schema = client.get("/api/openapi.json").json()
    assert "/api/people/residents" in schema["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
