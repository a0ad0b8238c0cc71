"""What a list-limited token reads in bulk (contract section 15): every listing, the sync
feed, reminders, webhooks and batch show it exactly what its user may view in its lists.

"The token then reaches only those lists and the tasks in them (... absent from every
listing, sync feed and batch)". The world below holds, beside what the token reaches,
something of each kind it must not: a task in no list, a list of the same user's outside
the token, a task shared with the user outside it, another user's list. Each listing is
compared with the same listing by the user's unrestricted token, kept to the token's lists:
the limited one must be exactly that, in the same order and pages -- so "absent" is never
only "not there at all", and "present" never more than the user may see.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import pytest

from tests.support.api import Client, assert_error, create_task, send_json
from tests.support.listing import ids, walk
from tests.support.lists import create_list, share_list
from tests.support.reminders import listed_tasks
from tests.support.subtasks import create_subtask, share_task
from tests.support.sync import replica
from tests.support.tokens import limited_client
from tests.support.webhooks import RECEIVER_OVERRIDES

# A window of GET /reminders holding every reminder below.
WINDOW = {"after": "2031-01-01T00:00:00Z", "before": "2031-01-08T00:00:00Z"}
REMINDED = {"reminders": [{"at": "2031-01-02T09:00:00Z"}], "due_at": "2031-01-03T09:00:00Z"}
HOOK_URL = "http://127.0.0.1:9/hook"
SORTS = ("-created_at", "title", "-priority", "due_at", "position")


@pytest.fixture
def app(make_app):
    """Webhooks may name a local URL: these tests make webhooks and never deliver."""
    return make_app(**RECEIVER_OVERRIDES)


@dataclass
class World:
    """Alice's view, named: ``limited`` is her token limited to ``mine`` and ``bobs``
    (bob's list she is a member of); ``alice`` her unrestricted token."""

    alice: Client
    bob: Client
    limited: Client
    lists: dict[str, str]
    tasks: dict[str, str]

    @property
    def token_lists(self) -> set[str]:
        return {self.lists["mine"], self.lists["bobs"]}

    def named(self, *names: str) -> set[str]:
        return {self.tasks[name] for name in names}


INSIDE = ("mine", "mine_step", "bobs", "bobs_step")
OUTSIDE = ("other", "other_step", "loose", "loose_step", "shared_loose", "shared_private")


def task(client: Client, title: str, **fields: str) -> str:
    return create_task(client, title=title, **REMINDED, **fields)["id"]


@pytest.fixture
def world(alice: Client, bob: Client) -> World:
    lists = {"mine": create_list(alice, name="mine")["id"],
             "other": create_list(alice, name="other")["id"],
             "bobs": create_list(bob, name="bobs")["id"],
             "private": create_list(bob, name="private")["id"]}
    share_list(bob, lists["bobs"], alice.username, "edit")
    tasks = {"mine": task(alice, "mine", list=lists["mine"]),
             "other": task(alice, "other", list=lists["other"]),
             "loose": task(alice, "loose"),
             "bobs": task(bob, "bobs", list=lists["bobs"]),
             "shared_loose": task(bob, "shared loose"),
             "shared_private": task(bob, "shared private", list=lists["private"]),
             "unseen": task(bob, "unseen", list=lists["private"])}
    for parent in ("mine", "other", "loose"):
        tasks[f"{parent}_step"] = create_subtask(alice, tasks[parent], title=f"{parent} step",
                                                 **REMINDED)["id"]
    tasks["bobs_step"] = create_subtask(bob, tasks["bobs"], title="bobs step", **REMINDED)["id"]
    for name in ("shared_loose", "shared_private"):
        share_task(bob, tasks[name], alice.username, "view")
    limited = limited_client(alice, [lists["mine"], lists["bobs"]])
    return World(alice, bob, limited, lists, tasks)


def listing(client: Client, path: str = "/tasks", limit: int = 3, **params: str) -> list[dict]:
    return walk(client.testapp, client, params, limit, path=path)


def within(world: World, tasks: list[dict]) -> list[dict]:
    """``tasks`` (as the unrestricted token lists them) kept to the token's lists."""
    return [task for task in tasks if task["list"] in world.token_lists]


# --- GET /tasks and GET /lists/<id>/tasks ----------------------------------------------------


@pytest.mark.parametrize("sort", SORTS)
def test_the_task_listing_is_the_users_kept_to_the_tokens_lists(world, sort):
    """Every page, in every order: exactly the unrestricted listing's tasks in the lists."""
    limited = listing(world.limited, sort=sort)
    assert limited == within(world, listing(world.alice, sort=sort))
    assert set(ids(limited)) == world.named(*INSIDE)


@pytest.mark.parametrize("name", ["mine", "bobs", "other", "private"])
def test_the_list_filter_lists_only_a_list_of_the_tokens(world, name):
    """``list=`` a list of the token's: its tasks; any other (the user's own, one shared
    with them by a task, another user's): nothing."""
    limited = listing(world.limited, list=world.lists[name])
    expected = within(world, listing(world.alice, list=world.lists[name]))
    assert limited == expected
    assert bool(limited) == (world.lists[name] in world.token_lists)


def test_a_lists_own_tasks_url_is_a_404_outside_the_token(world):
    for name in ("mine", "bobs"):
        path = f"/lists/{world.lists[name]}/tasks"
        assert listing(world.limited, path) == listing(world.alice, path)
    for name in ("other", "private"):
        response = world.limited.testapp.get(f"/lists/{world.lists[name]}/tasks",
                                             headers=world.limited.headers, status=404)
        assert_error(response, 404)


@pytest.mark.parametrize("parent", ["mine", "bobs", "other", "loose", "shared_private"])
def test_the_parent_filter_lists_nothing_under_a_task_outside(world, parent):
    limited = listing(world.limited, parent=world.tasks[parent])
    assert limited == within(world, listing(world.alice, parent=world.tasks[parent]))
    assert bool(limited) == (parent in INSIDE)


@pytest.mark.parametrize("owner", ["alice", "bob"])
def test_the_owner_filter_narrows_within_the_lists(world, owner):
    limited = listing(world.limited, owner=owner, sort="title")
    assert limited == within(world, listing(world.alice, owner=owner, sort="title"))
    expected = {"alice": ("mine", "mine_step"), "bob": ("bobs", "bobs_step")}[owner]
    assert set(ids(limited)) == world.named(*expected)


def test_filters_combine_within_the_lists(world):
    params = {"parent": "none", "done": "false", "tag": "x", "sort": "-title"}
    for name in ("mine", "bobs", "other", "loose"):
        world.alice.testapp.patch_json(f"/tasks/{world.tasks[name]}", {"tags": ["x"]},
                                       headers=world.alice.headers, status=200)
    limited = listing(world.limited, **params)
    assert limited == within(world, listing(world.alice, **params))
    assert ids(limited) == [world.tasks["mine"], world.tasks["bobs"]]


def test_an_admins_limited_token_sees_every_task_of_its_lists_and_nothing_else(world, register):
    """An admin may view every list: their token limited to bob's private list lists all
    of its tasks (none shared with the admin), and none of anyone's elsewhere."""
    admin = register(admin=True)
    limited = limited_client(admin, [world.lists["private"]])
    everything = listing(admin)
    assert listing(limited) == [t for t in everything if t["list"] == world.lists["private"]]
    assert set(ids(listing(limited))) == world.named("shared_private", "unseen")


@pytest.fixture
def left(world: World) -> dict[str, str]:
    """Bob's list ``bobs`` after alice left it, her token still naming it: she still sees
    there her own task and a task bob shared with her, not bob's other tasks."""
    list_id = world.lists["bobs"]
    kept = {"hers": task(world.alice, "hers in bobs", list=list_id),
            "shared": task(world.bob, "shared in bobs", list=list_id)}
    share_task(world.bob, kept["shared"], world.alice.username, "view")
    world.alice.testapp.delete(f"/lists/{list_id}/shares/{world.alice.username}",
                               headers=world.alice.headers, status=204)
    return kept


def test_a_list_the_user_left_shows_only_what_they_still_see_there(world, left):
    limited = listing(world.limited, sort="title")
    assert limited == within(world, listing(world.alice, sort="title"))
    assert set(ids(limited)) == world.named("mine", "mine_step") | set(left.values())


def test_a_token_whose_lists_are_all_gone_lists_nothing(world):
    limited = limited_client(world.alice, [world.lists["other"]])
    world.alice.testapp.delete(f"/lists/{world.lists['other']}", headers=world.alice.headers,
                               status=204)
    assert listing(limited) == []
    assert listing(limited, path="/lists") == []


# --- GET /lists -------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["name", "-created_at"])
def test_the_list_listing_is_the_tokens_lists(world, sort):
    limited = listing(world.limited, "/lists", limit=1, sort=sort)
    everything = listing(world.alice, "/lists", limit=1, sort=sort)
    assert limited == [item for item in everything if item["id"] in world.token_lists]
    assert set(ids(limited)) == world.token_lists


def test_a_list_the_user_left_is_not_listed(world, left):
    assert ids(listing(world.limited, "/lists")) == [world.lists["mine"]]


# --- GET /reminders ---------------------------------------------------------------------------


def test_reminders_are_those_of_tasks_in_the_tokens_lists(world):
    assert listed_tasks(world.limited, **WINDOW) == world.named(*INSIDE)
    assert listed_tasks(world.alice, **WINDOW) == world.named(*INSIDE, *OUTSIDE)


def test_reminders_of_a_list_the_user_left_are_those_they_still_see(world, left):
    assert listed_tasks(world.limited, **WINDOW) == (world.named("mine", "mine_step")
                                                      | set(left.values()))


# --- GET /changes -----------------------------------------------------------------------------


def keyed(changes: list[dict]) -> dict[tuple[str, str], str]:
    """Each change by (kind, id): ``upsert`` or its tombstone's reason."""
    return {(c["kind"], c["id"]): c["reason"] if c["deleted"] else "upsert" for c in changes}


def test_a_full_sync_is_the_tokens_lists_and_their_tasks(world):
    copy = replica(world.limited, limit=2)
    whole = replica(world.alice)
    expected = {key: body for key, body in whole.objects.items()
                if (key[0] == "list" and key[1] in world.token_lists)
                or (key[0] == "task" and body["list"] in world.token_lists)}
    assert copy.objects == expected
    assert {key for key in copy.objects if key[0] == "task"} == {
        ("task", task_id) for task_id in world.named(*INSIDE)}


def edit(client: Client, task_id: str, **fields: object) -> None:
    client.testapp.patch_json(f"/tasks/{task_id}", fields, headers=client.headers, status=200)


def test_activity_outside_the_lists_is_not_even_a_tombstone(world):
    """Edits, creations, moves, shares and deletions elsewhere: the next sync is empty."""
    copy = replica(world.limited)
    alice, bob = world.alice, world.bob
    edit(alice, world.tasks["other"], title="other, edited")
    edit(alice, world.tasks["loose"], done=True)
    task(alice, "new loose")
    edit(bob, world.tasks["shared_private"], title="shared, edited")
    share_task(bob, world.tasks["unseen"], alice.username, "view")
    edit(alice, world.tasks["other_step"], parent=None, list=world.lists["other"])
    alice.testapp.delete(f"/tasks/{world.tasks['loose_step']}", headers=alice.headers,
                         status=204)
    share_list(alice, world.lists["other"], bob.username, "view")
    alice.testapp.patch_json(f"/lists/{world.lists['other']}", {"name": "renamed"},
                             headers=alice.headers, status=200)
    assert copy.sync() == []


def test_changes_inside_the_lists_come_as_upserts_and_tombstones(world):
    copy = replica(world.limited)
    edit(world.alice, world.tasks["mine"], title="mine, edited")
    edit(world.bob, world.tasks["bobs_step"], done=True)
    made = task(world.bob, "new in bobs", list=world.lists["bobs"])
    world.alice.testapp.delete(f"/tasks/{world.tasks['mine_step']}",
                               headers=world.alice.headers, status=204)
    assert keyed(copy.sync()) == {("task", world.tasks["mine"]): "upsert",
                                  ("task", world.tasks["bobs_step"]): "upsert",
                                  ("task", made): "upsert",
                                  ("task", world.tasks["mine_step"]): "deleted"}
    assert copy.objects == replica(world.limited).objects


@pytest.mark.parametrize("target", ["other", None], ids=["another-list", "no-list"])
def test_a_task_moved_out_is_an_access_revoked_tombstone_with_its_subtree(world, target):
    copy = replica(world.limited)
    list_id = None if target is None else world.lists[target]
    edit(world.alice, world.tasks["mine"], list=list_id)
    assert keyed(copy.sync()) == {("task", world.tasks["mine"]): "access_revoked",
                                  ("task", world.tasks["mine_step"]): "access_revoked"}
    assert copy.objects == replica(world.limited).objects


def test_a_task_moved_in_is_an_upsert_with_its_subtree(world):
    copy = replica(world.limited)
    edit(world.alice, world.tasks["other"], list=world.lists["mine"])
    assert keyed(copy.sync()) == {("task", world.tasks["other"]): "upsert",
                                  ("task", world.tasks["other_step"]): "upsert"}
    assert copy.objects == replica(world.limited).objects


def test_leaving_a_list_of_the_token_revokes_it_and_its_tasks(world):
    copy = replica(world.limited)
    world.alice.testapp.delete(f"/lists/{world.lists['bobs']}/shares/{world.alice.username}",
                               headers=world.alice.headers, status=204)
    assert keyed(copy.sync()) == {("list", world.lists["bobs"]): "access_revoked",
                                  ("task", world.tasks["bobs"]): "access_revoked",
                                  ("task", world.tasks["bobs_step"]): "access_revoked"}
    assert copy.objects == replica(world.limited).objects


def test_in_a_list_the_user_left_the_feed_follows_what_they_still_see(world, left):
    """Bob's edits of his own tasks there are nothing to the token; a task of alice's or
    shared with her that changes, leaves the list, or goes, is."""
    copy = replica(world.limited)
    bob, alice = world.bob, world.alice
    edit(bob, world.tasks["bobs"], title="bob's, edited")
    edit(bob, left["shared"], title="shared, edited")
    edit(alice, left["hers"], title="hers, edited")
    assert keyed(copy.sync()) == {("task", left["shared"]): "upsert",
                                  ("task", left["hers"]): "upsert"}
    edit(bob, left["shared"], list=world.lists["private"])
    edit(alice, left["hers"], list=None)
    assert keyed(copy.sync()) == {("task", left["shared"]): "access_revoked",
                                  ("task", left["hers"]): "access_revoked"}
    assert copy.objects == replica(world.limited).objects


def test_in_a_list_the_user_left_a_task_unshared_and_moved_or_deleted_is_a_tombstone(world,
                                                                                      left):
    """Between two syncs the task stops being theirs to see and leaves the list (or goes):
    only the list's own record of the move or the deletion can tell the token."""
    copy = replica(world.limited)
    bob, alice = world.bob, world.alice
    bob.testapp.delete(f"/tasks/{left['shared']}/shares/{alice.username}",
                       headers=bob.headers, status=204)
    edit(bob, left["shared"], list=world.lists["private"])
    alice.testapp.delete(f"/tasks/{left['hers']}", headers=alice.headers, status=204)
    assert keyed(copy.sync()) == {("task", left["shared"]): "access_revoked",
                                  ("task", left["hers"]): "deleted"}
    assert copy.objects == replica(world.limited).objects


def test_a_share_given_and_taken_inside_the_lists_is_followed(world, register):
    """A task (and its subtask) of a list the user is no member of, shared with them,
    comes and goes."""
    carol = register()
    carols = create_list(carol, name="carols")["id"]
    share_list(carol, carols, world.alice.username, "view")
    shared = task(carol, "carol's", list=carols)
    step = create_subtask(carol, shared, title="carol's step")["id"]
    limited = limited_client(world.alice, [carols])
    world.alice.testapp.delete(f"/lists/{carols}/shares/{world.alice.username}",
                               headers=world.alice.headers, status=204)
    copy = replica(limited)
    assert copy.objects == {}
    share_task(carol, shared, world.alice.username, "view")
    assert keyed(copy.sync()) == {("task", shared): "upsert", ("task", step): "upsert"}
    carol.testapp.delete(f"/tasks/{shared}/shares/{world.alice.username}",
                         headers=carol.headers, status=204)
    assert keyed(copy.sync()) == {("task", shared): "access_revoked",
                                  ("task", step): "access_revoked"}


def test_an_admins_limited_feed_is_its_lists(world, register):
    admin = register(admin=True)
    limited = limited_client(admin, [world.lists["private"]])
    copy = replica(limited)
    assert {key for key in copy.objects} == {
        ("list", world.lists["private"]), *(("task", world.tasks[name])
                                            for name in ("shared_private", "unseen"))}
    edit(world.bob, world.tasks["unseen"], title="unseen, edited")
    edit(world.bob, world.tasks["bobs"], title="bobs, edited")
    edit(world.bob, world.tasks["shared_private"], list=world.lists["bobs"])
    assert keyed(copy.sync()) == {("task", world.tasks["unseen"]): "upsert",
                                  ("task", world.tasks["shared_private"]): "access_revoked"}


# --- webhooks ---------------------------------------------------------------------------------


def hook(client: Client, list_id: str | None, status: int = 201):
    return client.testapp.post_json("/webhooks", {"url": HOOK_URL, "events": ["*"],
                                                  "list": list_id},
                                    headers=client.headers, status=status)


def test_the_webhook_listing_is_the_webhooks_of_the_tokens_lists(world):
    made = {name: hook(world.alice, world.lists[name]).json["id"] for name in ("mine", "other")}
    made["none"] = hook(world.alice, None).json["id"]
    made["bobs"] = hook(world.limited, world.lists["bobs"]).json["id"]
    assert ids(listing(world.limited, "/webhooks", limit=1)) == [made["mine"], made["bobs"]]
    assert set(ids(listing(world.alice, "/webhooks"))) == set(made.values())


@pytest.mark.parametrize("target", ["none", "absent", "other", "private"])
def test_a_webhook_the_token_makes_must_watch_one_of_its_lists(world, target):
    body = {"url": HOOK_URL, "events": ["*"]}
    if target != "absent":
        body["list"] = None if target == "none" else world.lists[target]
    response = world.limited.testapp.post_json("/webhooks", body, headers=world.limited.headers,
                                               status=400)
    assert_error(response, 400, ("body", "list"))
    assert listing(world.alice, "/webhooks") == []


@pytest.mark.parametrize("target", ["none", "other"])
def test_a_webhook_the_token_changes_stays_in_its_lists(world, target):
    made = hook(world.limited, world.lists["mine"]).json
    list_id = None if target == "none" else world.lists[target]
    response = world.limited.testapp.patch_json(f"/webhooks/{made['id']}", {"list": list_id},
                                                headers=world.limited.headers, status=400)
    assert_error(response, 400, ("body", "list"))
    moved = world.limited.testapp.patch_json(f"/webhooks/{made['id']}",
                                             {"list": world.lists["bobs"], "active": True},
                                             headers=world.limited.headers, status=200).json
    assert moved["list"] == world.lists["bobs"]
    kept = world.limited.testapp.patch_json(f"/webhooks/{made['id']}", {"active": False},
                                            headers=world.limited.headers, status=200).json
    assert kept["list"] == world.lists["bobs"]


# --- task writes ------------------------------------------------------------------------------


def refused(response) -> None:
    assert_error(response, 400, ("body", "list"))


def test_a_new_task_must_be_in_one_of_the_tokens_lists(world):
    limited = world.limited
    for body in ({"title": "nowhere"}, {"title": "nowhere", "list": None},
                 {"title": "elsewhere", "list": world.lists["other"]},
                 {"title": "elsewhere", "list": world.lists["private"]}):
        refused(limited.testapp.post_json("/tasks", body, headers=limited.headers, status=400))
    made = create_task(limited, title="inside", list=world.lists["bobs"])
    assert made["list"] == world.lists["bobs"]
    assert create_task(limited, title="step", parent=made["id"])["list"] == world.lists["bobs"]
    in_url = limited.testapp.post_json(f"/lists/{world.lists['mine']}/tasks", {"title": "url"},
                                       headers=limited.headers, status=201).json
    assert in_url["list"] == world.lists["mine"]
    assert {t["title"] for t in listing(world.alice, q="where")} == set()


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("target", ["none", "other"])
def test_a_task_is_never_taken_out_of_the_tokens_lists(world, method, target):
    limited, task_id = world.limited, world.tasks["mine"]
    list_id = None if target == "none" else world.lists[target]
    body = {"title": "mine", "list": list_id}
    refused(send_json(limited.testapp, method, f"/tasks/{task_id}", body, limited.headers, 400))
    assert world.alice.testapp.get(f"/tasks/{task_id}", headers=world.alice.headers
                                   ).json["list"] == world.lists["mine"]
    moved = send_json(limited.testapp, method, f"/tasks/{task_id}",
                      {**body, "list": world.lists["bobs"]}, limited.headers, 200).json
    assert moved["list"] == world.lists["bobs"]


@pytest.mark.parametrize("body", [{"list": None}, {"parent": None, "list": None}],
                         ids=["list", "parent-and-list"])
def test_a_move_never_takes_a_task_out_of_the_tokens_lists(world, body):
    limited, step = world.limited, world.tasks["mine_step"]
    refused(limited.testapp.post_json(f"/tasks/{step}/move", body, headers=limited.headers,
                                      status=400))
    top = limited.testapp.post_json(f"/tasks/{step}/move", {"parent": None},
                                    headers=limited.headers, status=200).json
    assert (top["parent"], top["list"]) == (None, world.lists["mine"])
    refused(limited.testapp.post_json(f"/tasks/{step}/move", {"list": None},
                                      headers=limited.headers, status=400))


def test_a_subtask_under_a_task_outside_is_refused_as_a_parent_it_cannot_see(world):
    response = world.limited.testapp.patch_json(
        f"/tasks/{world.tasks['mine']}", {"parent": world.tasks["loose"]},
        headers=world.limited.headers, status=400)
    assert_error(response, 400, ("body", "parent"))


# --- batch ------------------------------------------------------------------------------------


def batch(client: Client, *requests: dict, atomic: bool = False) -> list[dict]:
    return client.testapp.post_json("/batch", {"requests": list(requests), "atomic": atomic},
                                    headers=client.headers, status=200).json["responses"]


def test_batch_reads_see_only_the_tokens_lists(world):
    tasks, lists, other = batch(
        world.limited, {"method": "GET", "path": "/tasks?limit=100&sort=title"},
        {"method": "GET", "path": "/lists"},
        {"method": "GET", "path": f"/tasks/{world.tasks['other']}"})
    assert tasks["body"]["items"] == within(world, listing(world.alice, sort="title"))
    assert set(ids(lists["body"]["items"])) == world.token_lists
    assert other["status"] == 404


def test_batch_writes_keep_tasks_in_the_tokens_lists(world):
    nowhere, out, inside = batch(
        world.limited, {"method": "POST", "path": "/tasks", "body": {"title": "nowhere"}},
        {"method": "PATCH", "path": f"/tasks/{world.tasks['mine']}", "body": {"list": None}},
        {"method": "POST", "path": "/tasks",
         "body": {"title": "inside", "list": world.lists["mine"]}})
    for response in (nowhere, out):
        assert response["status"] == 400
        assert [(e["location"], e["name"]) for e in response["body"]["errors"]] == [
            ("body", "list")]
    assert inside["status"] == 201 and inside["body"]["list"] == world.lists["mine"]


# --- nothing missed ---------------------------------------------------------------------------


def full_sync_within(client: Client, limited: Client) -> dict:
    """What a full sync of ``limited`` must show: ``client``'s (unrestricted) full sync
    kept to the lists the token names."""
    token = limited.testapp.get("/users/me/tokens", headers=client.headers).json["items"]
    [lists] = [item["lists"] for item in token if item["name"] == "limited"]
    return {key: body for key, body in replica(client).objects.items()
            if (key[0] == "list" and key[1] in lists)
            or (key[0] == "task" and body["list"] in lists)}


def random_write(rng, step: int, users: list[Client], tasks: list, lists: list) -> None:
    """One write of many kinds, by any user, allowed or not (a refusal changes nothing)."""
    who = rng.choice(users)
    other = rng.choice([u for u in users if u is not who])
    owner, task_id = rng.choice(tasks)
    _, list_id = rng.choice(lists)
    action = rng.randrange(11)
    if action in (0, 9, 10):
        where = rng.choice([None, list_id])
        made = who.testapp.post_json("/tasks", {"title": f"s{step}", "list": where},
                                     headers=who.headers, status="*")
        if made.status_int == 201:
            tasks.append((who, made.json["id"]))
    elif action == 1:
        owner.testapp.patch_json(f"/tasks/{task_id}", {"title": f"p{step}"},
                                 headers=owner.headers, status="*")
    elif action == 2:
        owner.testapp.patch_json(f"/tasks/{task_id}", {"list": rng.choice([None, list_id])},
                                 headers=owner.headers, status="*")
    elif action == 3:
        owner.testapp.put_json(f"/tasks/{task_id}/shares/{other.username}",
                               {"permission": "view"}, headers=owner.headers, status="*")
    elif action == 4:
        owner.testapp.delete(f"/tasks/{task_id}/shares/{other.username}",
                             headers=owner.headers, status="*")
    elif action == 5:
        who.testapp.put_json(f"/lists/{list_id}/shares/{other.username}",
                             {"permission": "edit"}, headers=who.headers, status="*")
    elif action == 6:
        who.testapp.delete(f"/lists/{list_id}/shares/{other.username}", headers=who.headers,
                           status="*")
    elif action == 7:
        made = who.testapp.post_json("/tasks", {"title": f"c{step}", "parent": task_id},
                                     headers=who.headers, status="*")
        if made.status_int == 201:
            tasks.append((who, made.json["id"]))
    elif len(tasks) > 3:
        tasks.remove((owner, task_id))
        owner.testapp.delete(f"/tasks/{task_id}", headers=owner.headers, status="*")


def test_random_writes_converge_to_each_limited_tokens_full_sync(alice, bob, register):
    """Many small syncs of list-limited tokens between writes of every kind (moves in and
    out, shares given and taken, lists joined and left, subtasks, deletions): each copy,
    built from the feed alone, ends equal to its token's full sync, which is exactly the
    user's full sync kept to the token's lists."""
    carol = register("carol")
    users = [alice, bob, carol]
    lists = [(user, create_list(user, name=f"{user.username} {n}")["id"])
             for user in users for n in range(2)]
    for (owner, list_id), member in zip(lists[::2], users[1:] + users[:1], strict=True):
        share_list(owner, list_id, member.username, "edit")
    limited = {user.username: limited_client(user, [lists[2 * i + 1][1],
                                                    lists[2 * ((i + 2) % 3)][1]])
               for i, user in enumerate(users)}
    tasks = [(owner, create_task(owner, title="first", list=list_id)["id"])
             for owner, list_id in lists]
    rng = random.Random(29)
    copies = {name: replica(client) for name, client in limited.items()}
    told: Counter[str] = Counter()
    for step in range(150):
        random_write(rng, step, users, tasks, lists)
        if step % 5 == 0:
            changes = rng.choice(list(copies.values())).sync(limit=rng.choice([1, 3, 100]))
            told.update(keyed(changes).values())
    for user in users:
        copy = copies[user.username]
        copy.sync(limit=2)
        assert copy.objects == replica(limited[user.username]).objects
        assert copy.objects == full_sync_within(user, limited[user.username])
    # The run met every kind of change the feed tells of.
    assert min(told[kind] for kind in ("upsert", "deleted", "access_revoked")) >= 3, told
