def test_create_and_get_task(testapp, alice):
    created = testapp.post_json("/tasks", {"title": "Buy milk"}, headers=alice.headers, status=201)
    got = testapp.get(f"/tasks/{created.json['id']}", headers=alice.headers, status=200)
    assert got.json == created.json
    assert got.headers["ETag"] == '"1"'


def test_rollback_between_tests(testapp, alice):
    assert testapp.get("/tasks", headers=alice.headers).json["items"] == []
