"""A webhook receives an event only about what its owner may view at the time of the
change (for a deletion or a removed share: just before), within its list if it has one."""

from __future__ import annotations

from tests.support.api import assert_error, create_task
from tests.support.webhooks import deliver, make_hook


def types_and_ids(receiver):
    return [(d.json["type"], (d.json["data"].get("task") or d.json["data"]["list"])["id"])
            for d in receiver.deliveries]


def test_a_share_opens_and_its_removal_closes_the_flow_of_events(app, alice, bob, receiver):
    make_hook(bob, receiver.url)
    task = create_task(alice)
    url = f"/tasks/{task['id']}"
    alice.testapp.put_json(f"{url}/shares/bob", {"permission": "view"}, headers=alice.headers)
    alice.testapp.patch_json(url, {"title": "seen"}, headers=alice.headers)
    alice.testapp.delete(f"{url}/shares/bob", headers=alice.headers)
    alice.testapp.patch_json(url, {"title": "unseen"}, headers=alice.headers)
    deliver(app)
    assert types_and_ids(receiver) == [("task.shared", task["id"]), ("task.updated", task["id"]),
                                       ("task.unshared", task["id"])]
    assert receiver.deliveries[2].json["data"]["share"] == {
        "username": "bob", "permission": None, "previous": "view"}


def test_a_deletion_reaches_who_could_view_it_just_before(app, alice, bob, register,
                                                           receiver):
    carol = register("carol")
    make_hook(bob, receiver.url, ["task.deleted"])
    make_hook(carol, receiver.url, ["task.deleted"])
    task = create_task(alice, title="gone")
    alice.testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "view"},
                           headers=alice.headers)
    alice.testapp.delete(f"/tasks/{task['id']}", headers=alice.headers)
    deliver(app)
    [received] = receiver.deliveries  # bob's; carol never could view it
    assert received.json["data"]["task"]["title"] == "gone"
    assert received.json["actor"] == "alice"


def test_list_members_and_admins_receive_a_lists_events(app, alice, bob, admin, receiver):
    make_hook(bob, receiver.url)
    make_hook(admin, receiver.url, ["list.created", "task.created"])
    shared = alice.testapp.post_json("/lists", {"name": "L"}, headers=alice.headers).json
    alice.testapp.put_json(f"/lists/{shared['id']}/shares/bob", {"permission": "view"},
                           headers=alice.headers)
    task = create_task(alice, list=shared["id"])
    alice.testapp.delete(f"/lists/{shared['id']}", headers=alice.headers)
    deliver(app)
    events = sorted(types_and_ids(receiver))
    assert events == sorted([
        ("list.created", shared["id"]), ("task.created", task["id"]),  # the admin's
        ("list.shared", shared["id"]), ("task.created", task["id"]),  # bob's
        ("list.deleted", shared["id"]), ("task.deleted", task["id"])])
    assert "permission" not in receiver.deliveries[0].json["data"]["list"]


def test_a_list_scoped_webhook_gets_that_list_and_its_tasks_only(app, alice, receiver):
    one = alice.testapp.post_json("/lists", {"name": "one"}, headers=alice.headers).json
    other = alice.testapp.post_json("/lists", {"name": "other"}, headers=alice.headers).json
    make_hook(alice, receiver.url, list=one["id"])
    inside = create_task(alice, list=one["id"])
    create_task(alice, list=other["id"])
    create_task(alice)
    alice.testapp.patch_json(f"/lists/{one['id']}", {"name": "one!"}, headers=alice.headers)
    alice.testapp.patch_json(f"/lists/{other['id']}", {"name": "other!"},
                             headers=alice.headers)
    deliver(app)
    assert types_and_ids(receiver) == [("task.created", inside["id"]),
                                       ("list.updated", one["id"])]


def test_a_list_the_owner_cannot_view_is_a_400(alice, bob, receiver):
    theirs = alice.testapp.post_json("/lists", {"name": "L"}, headers=alice.headers).json
    for missing in (theirs["id"], "999999"):
        response = bob.testapp.post_json(
            "/webhooks", {"url": receiver.url, "events": ["*"], "list": missing},
            headers=bob.headers, status=400)
        assert_error(response, 400, ("body", "list"))
    assert bob.testapp.get("/webhooks", headers=bob.headers).json["items"] == []


def test_a_webhooks_list_is_judged_for_its_owner_not_for_who_changes_it(alice, bob, admin,
                                                                          receiver):
    private = alice.testapp.post_json("/lists", {"name": "P"}, headers=alice.headers).json
    shared = alice.testapp.post_json("/lists", {"name": "S"}, headers=alice.headers).json
    alice.testapp.put_json(f"/lists/{shared['id']}/shares/bob", {"permission": "view"},
                           headers=alice.headers)
    hook = make_hook(bob, receiver.url, list=shared["id"])  # a member may watch it
    url = f"/webhooks/{hook.id}"
    response = admin.testapp.patch_json(url, {"list": private["id"]}, headers=admin.headers,
                                        status=400)  # the admin may view it; bob may not
    assert_error(response, 400, ("body", "list"))
    assert admin.testapp.patch_json(url, {"list": None}, headers=admin.headers,
                                    status=200).json["list"] is None
    admin.testapp.patch_json(url, {"list": shared["id"]}, headers=admin.headers, status=200)
    make_hook(admin, receiver.url, list=private["id"])  # an admin's own may watch any list


def test_deleting_a_user_deletes_their_webhooks(app, alice, admin, receiver, dbsession):
    from sqlalchemy import func, select

    from taskservice.webhooks.models import Webhook
    make_hook(alice, receiver.url)
    create_task(alice)  # queued for alice's webhook, never delivered
    admin.testapp.delete("/users/alice", headers=admin.headers, status=204)
    assert dbsession.execute(select(func.count()).select_from(Webhook)).scalar_one() == 0
    assert deliver(app) == 0
