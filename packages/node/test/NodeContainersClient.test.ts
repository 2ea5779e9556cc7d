import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles } from "@openai-containers/core"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Effect from "effect/Effect"
import { NodeContainersClient } from "../src/index.js"
import { apiKey, endpointSuite, newContainer, withClient } from "./endpointSuite.js"

endpointSuite("NodeContainersClient.layer", NodeContainersClient.layer)

describe("NodeContainersClient", () => {
  it.layer(FakeContainersServer.layer({ apiKey }))((it) => {
    it.effect("sends a User-Agent naming the library unless the user set one", () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const container = yield* newContainer
        yield* api.clearRequests
        yield* ContainerFiles.list(container.id).pipe(withClient(NodeContainersClient.layer))
        yield* ContainerFiles.list(container.id).pipe(
          withClient(NodeContainersClient.layer, { headers: { "User-Agent": "mine/1.0" } }),
        )
        const agents = (yield* api.requests).map((r) => r.headers["user-agent"])
        expect(agents).toEqual([`openai-containers-effect/0.1.0 node/${process.versions.node}`, "mine/1.0"])
      }),
    )
  })
})
