/**
 * A round trip through openapi-fetch, typed by what openapi-typescript generates from
 * /__api__ (imported as "taskservice-api"; see tsconfig.json and .ci/client-check).
 *
 * Written as a consumer would write it: register, log in, create a task, list with a
 * filter and a sort, PATCH with If-Match, and handle the 412 a stale ETag gets. Values go
 * from one call to the next with the generated types, and bodies and enums are named
 * through components["schemas"], so `tsc --strict --noEmit` fails here when the
 * document leaves a body unnamed, makes a PATCH body optional, or leaves errors untyped.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "taskservice-api";

type Schemas = components["schemas"];
type Task = Schemas["Task"];
type Priority = Schemas["Priority"];
type TaskSort = Schemas["TaskSort"];
type ApiError = Schemas["Error"];

const PASSWORD = "correct horse battery";

function expect<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) {
    throw new Error(`the response has no ${what}`);
  }
  return value;
}

async function logInNewUser(baseUrl: string): Promise<ReturnType<typeof createClient<paths>>> {
  const anonymous = createClient<paths>({ baseUrl });
  const registration: Schemas["Registration"] = {
    username: `sdk_${Date.now().toString(36)}`,
    password: PASSWORD,
  };
  const user = expect((await anonymous.POST("/users", { body: registration })).data, "user");
  const credentials: Schemas["Credentials"] = { username: user.username, password: PASSWORD };
  const token = expect((await anonymous.POST("/tokens", { body: credentials })).data, "token");
  return createClient<paths>({
    baseUrl,
    headers: { Authorization: `${token.token_type} ${token.token}` },
  });
}

function patchIfMatch(
  client: ReturnType<typeof createClient<paths>>,
  task: Task,
  etag: string,
  changes: Schemas["TaskPatch"],
) {
  return client.PATCH("/tasks/{id}", {
    params: { path: { id: task.id }, header: { "If-Match": etag } },
    body: changes,
  });
}

export async function roundtrip(baseUrl: string): Promise<Task> {
  const client = await logInNewUser(baseUrl);
  const newTask: Schemas["TaskCreate"] = { title: "Buy milk", tags: ["home"] };
  const created = await client.POST("/tasks", { body: newTask });
  let task: Task = expect(created.data, "task");
  const etag = expect(created.response.headers.get("ETag"), "ETag");

  const priority: Priority = task.priority;
  const sort: TaskSort = "-priority";
  const listed = await client.GET("/tasks", {
    params: { query: { priority, tag: ["home"], sort } },
  });
  const page: Schemas["TaskPage"] = expect(listed.data, "page");
  if (page.items[0]?.id !== task.id) {
    throw new Error(`the list is not the created task: ${JSON.stringify(page)}`);
  }

  task = expect((await patchIfMatch(client, task, etag, { done: true, priority })).data, "task");
  const stale = await patchIfMatch(client, task, etag, { done: false }); // the first ETag again
  const error: ApiError | undefined = stale.error;
  if (stale.response.status !== 412 || error === undefined) {
    throw new Error(`a stale If-Match is not a 412: ${stale.response.status}`);
  }
  const detail: Schemas["ErrorDetail"] | undefined = error.errors[0];
  if (detail?.name !== "If-Match" || detail.location !== "header") {
    throw new Error(`the 412 does not name If-Match: ${JSON.stringify(error)}`);
  }
  return task;
}
