"""The SLA policy pages as builders and staff use them: order, form, publish, problems."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from servicekit.platform.db import get_db
from servicekit.platform.metadata.store import latest_published
from tests.conftest import csrf_token
from tests.runtime.workflow.conftest import APP

pytestmark = pytest.mark.usefixtures("shop")


def _policy(app: Any, key: str) -> Any:
    with get_db(app).sessions() as session:
        document = latest_published(session, APP, "sla", key)
        return document.version, dict(document.body)


def _form(page: str) -> dict[str, Any]:
    """The named inputs of the policy form as a browser would post them unchanged."""
    form = page[page.index('id="policy-form"') :]
    data: dict[str, Any] = {}
    for tag in re.findall(r"<(?:input|select|textarea)[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        key = unescape(name.group(1))
        if tag.startswith("<input"):
            kind = re.search(r'type="(\w+)"', tag)
            if kind and kind.group(1) == "checkbox":
                if " checked" in tag:
                    data.setdefault(key, []).append(re.search(r'value="([^"]*)"', tag).group(1))
                continue
            value = re.search(r'value="([^"]*)"', tag)
            data[key] = unescape(value.group(1)) if value else ""
        elif tag.startswith("<select"):
            block = form[form.index(tag) :]
            block = block[: block.index("</select>")]
            chosen = re.search(r'<option value="([^"]*)"[^>]*selected', block)
            data[key] = unescape(chosen.group(1)) if chosen else ""
        else:
            block = form[form.index(tag) + len(tag) :]
            data[key] = unescape(block[: block.index("</textarea>")])
    return data


def test_staff_read_the_policies_in_order_but_cannot_change_them(client: Any, auth: Any) -> None:
    auth.login("agent1")
    page = client.get(f"/sla/{APP}/").get_data(as_text=True)
    assert page.index("紧急工单") < page.index("普通工单")  # staff see the app's language
    assert 'name="move"' not in page
    policy = client.get(f"/sla/{APP}/urgent").get_data(as_text=True)
    assert "<fieldset disabled>" in policy
    assert 'value="30m"' in policy and "priority == &#34;urgent&#34;" in policy
    token = csrf_token(client)
    assert client.post(f"/sla/{APP}/urgent", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/sla/{APP}/order", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/sla/{APP}/new").status_code == 403


def test_people_outside_the_app_and_unknown_policies_get_404(client: Any, auth: Any) -> None:
    auth.login("stranger", platform_roles=())
    assert client.get(f"/sla/{APP}/").status_code == 404
    assert client.get(f"/sla/{APP}/urgent").status_code == 404
    auth.login("admin", locale="en")
    assert client.get(f"/sla/{APP}/nothing").status_code == 404
    assert client.get("/sla/no_app/").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client: Any, auth: Any, app: Any) -> None:
    auth.login("admin", locale="en")
    page = client.get(f"/sla/{APP}/urgent").get_data(as_text=True)
    data = _form(page)
    data.pop("csrf_token")
    data["response.within"] = "45m"
    assert client.post(f"/sla/{APP}/urgent", data=data).status_code == 400
    assert _policy(app, "urgent")[0] == 1


def test_a_builder_changes_a_target_and_adds_a_step(client: Any, auth: Any, app: Any) -> None:
    auth.login("admin", locale="en")
    page = client.get(f"/sla/{APP}/urgent").get_data(as_text=True)
    data = _form(page)
    data["response.within"] = "45m"
    # The blank step row after the three existing ones.
    data.update(
        {
            "response.s3.key": "ceo",
            "response.s3.when": "after",
            "response.s3.amount": "600",
            "response.s3.a0.type": "notify",
            "response.s3.a0.users": "admin",
            "response.s3.a0.message": "{{ number }} far overdue",
        }
    )
    response = client.post(f"/sla/{APP}/urgent", data=data)
    assert response.status_code == 303
    version, body = _policy(app, "urgent")
    assert version == 2
    response_target = body["targets"]["response"]
    assert response_target["within"] == "45m"
    assert response_target["ladder"][3] == {
        "key": "ceo",
        "minutes_after_due": 600,
        "actions": [{"type": "notify", "users": ["admin"], "message": "{{ number }} far overdue"}],
    }
    # Everything the builder did not touch is as it was.
    assert body["targets"]["nodes"]["service"]["within"] == "4h"
    assert body["description"]["en"].startswith("First response")
    assert body["targets"]["response"]["ladder"][2]["actions"][0]["hold_outside_working_hours"]


def test_problems_show_next_to_their_field_with_the_json_path(
    client: Any, auth: Any, app: Any
) -> None:
    auth.login("admin", locale="en")
    data = _form(client.get(f"/sla/{APP}/urgent").get_data(as_text=True))
    data["response.s0.amount"] = "lots"
    response = client.post(f"/sla/{APP}/urgent", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-path="$.targets.response.ladder[0].percent"' in page
    assert 'value="lots"' in page
    # Once the schema holds, the rule, workflow and role checks speak.
    data["response.s0.amount"] = "80"
    data["condition"] = 'priority == "urgent" and'
    dispatch = next(k[: -len(".node")] for k, v in data.items() if v == "dispatch")
    data[f"{dispatch}.within"] = "0m"
    data["response.s1.a0.roles"] = "service_director, nobody"
    response = client.post(f"/sla/{APP}/urgent", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _policy(app, "urgent")[0] == 1  # nothing published
    condition = page[page.index('id="condition"') :]
    condition = condition[: condition.index("</div>")]
    assert "is-invalid" in page[page.index('id="condition"') - 80 : page.index('id="condition"')]
    assert 'data-path="$.condition"' in condition and "line 1, column" in condition
    assert 'data-path="$.targets.nodes.dispatch.within"' in page
    assert "Role &#39;nobody&#39; is not declared" in page or "nobody" in page
    assert re.search(r'data-path="\$\.targets\.response\.ladder\[1\]\.actions\[0\]\.roles', page)
    # What the builder typed is still there to fix.
    assert 'value="0m"' in page


def test_problems_are_shown_in_chinese(client: Any, auth: Any) -> None:
    auth.login("builder_zh", platform_roles=("builder",), locale="zh_CN")
    page = client.get(f"/sla/{APP}/urgent").get_data(as_text=True)
    assert "首次响应" in page and "预警与升级步骤" in page


def test_reordering_publishes_new_orders_in_one_go(client: Any, auth: Any, app: Any) -> None:
    auth.login("admin", locale="en")
    token = csrf_token(client)
    response = client.post(f"/sla/{APP}/order", data={"csrf_token": token, "move": "up:normal"})
    assert response.status_code == 303
    assert _policy(app, "normal") == (2, {**_policy(app, "normal")[1], "order": 10})
    assert _policy(app, "urgent")[1]["order"] == 20
    page = client.get(f"/sla/{APP}/").get_data(as_text=True)
    assert page.index("Normal work orders") < page.index("Urgent work orders")


def test_a_builder_adds_a_policy(client: Any, auth: Any, app: Any) -> None:
    auth.login("admin", locale="en")
    data = _form(client.get(f"/sla/{APP}/new").get_data(as_text=True))
    data.update(
        {
            "key": "vip",
            "label_en": "VIP customers",
            "label_zh": "VIP 客户",
            "order": "5",
            "condition": 'priority == "high"',
            "resolution.within": "4h",
        }
    )
    response = client.post(f"/sla/{APP}/new", data=data)
    assert response.status_code == 303, re.findall(r"sk-problem.*", response.get_data(as_text=True))
    version, body = _policy(app, "vip")
    assert version == 1
    assert body["targets"] == {"resolution": {"within": "4h"}}
    assert body["label"] == {"zh": "VIP 客户", "en": "VIP customers"}
    again = client.post(f"/sla/{APP}/new", data=data)
    assert again.status_code == 422
    assert "exists already" in again.get_data(as_text=True)


def test_a_stale_form_is_not_published_over_a_newer_version(
    client: Any, auth: Any, app: Any
) -> None:
    auth.login("admin", locale="en")
    data = _form(client.get(f"/sla/{APP}/normal").get_data(as_text=True))
    first = dict(data, **{"resolution.within": "2d"})
    assert client.post(f"/sla/{APP}/normal", data=first).status_code == 303
    second = dict(data, **{"resolution.within": "5d"})
    assert client.post(f"/sla/{APP}/normal", data=second).status_code == 409
    assert _policy(app, "normal")[1]["targets"]["resolution"]["within"] == "2d"
