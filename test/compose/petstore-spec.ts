/**
 * The petstore API's OpenAPI documents: 3.0 as a parsed object (OpenAPI 3.0's schema dialect:
 * `nullable`, boolean `exclusiveMinimum`) and 3.1 as YAML text (JSON Schema 2020-12 types). Both
 * describe the same API; `$ref`s reach parameters, request bodies, responses and schemas, and one
 * schema is recursive.
 */

export function petstore30(): Record<string, unknown> {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const jsonOf = (schema: unknown) => ({ "application/json": { schema } });
  return {
    openapi: "3.0.3",
    info: { title: "Petstore", version: "1.2.3", description: "A pet store." },
    servers: [{ url: "http://placeholder.invalid/api" }],
    paths: {
      "/pets": {
        get: {
          operationId: "listPets",
          tags: ["pets"],
          summary: "List pets",
          description: "Lists the pets, optionally by tag.",
          parameters: [
            { $ref: "#/components/parameters/Limit" },
            {
              name: "tag",
              in: "query",
              description: "Only pets with one of these tags",
              schema: { type: "array", items: { type: "string" } },
            },
          ],
          responses: {
            "200": { description: "The pets", content: jsonOf({ type: "array", items: ref("Pet") }) },
          },
        },
        post: {
          operationId: "createPet",
          tags: ["pets"],
          summary: "Create a pet",
          requestBody: { $ref: "#/components/requestBodies/PetBody" },
          responses: {
            "201": { description: "Created", content: jsonOf(ref("Pet")) },
            "400": { $ref: "#/components/responses/Error" },
          },
        },
      },
      "/pets/{petId}": {
        parameters: [{ name: "petId", in: "path", required: true, schema: { type: "integer" } }],
        get: {
          operationId: "getPet",
          tags: ["pets"],
          summary: "Get a pet",
          responses: {
            "200": { description: "The pet", content: jsonOf(ref("Pet")) },
            "404": { $ref: "#/components/responses/Error" },
          },
        },
        delete: {
          operationId: "deletePet",
          tags: ["pets", "admin"],
          summary: "Delete a pet",
          responses: { "204": { description: "Deleted" } },
        },
      },
      "/owners/{id}": {
        put: {
          operationId: "renameOwner__owners__id__put",
          summary: "Rename an owner",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          requestBody: {
            required: true,
            content: jsonOf({
              type: "object",
              required: ["id", "name"],
              properties: {
                id: { type: "string", description: "The owner's new id" },
                name: { type: "string" },
              },
            }),
          },
          responses: { "200": { description: "Renamed" } },
        },
      },
      "/fail/{code}": {
        get: {
          operationId: "failWith",
          parameters: [{ name: "code", in: "path", required: true, schema: { type: "integer" } }],
          responses: { default: { description: "Whatever it is" } },
        },
      },
      "/slow": { get: { operationId: "slow", responses: { "200": { description: "Never comes" } } } },
      "/big": {
        get: {
          operationId: "big",
          responses: {
            "200": { description: "Large", content: { "text/plain": { schema: { type: "string" } } } },
          },
        },
      },
      "/lies": {
        get: {
          operationId: "lies",
          summary: "Says it returns a pet",
          responses: { "200": { description: "A pet, it says", content: jsonOf(ref("Pet")) } },
        },
      },
      "/files/{name}": {
        get: {
          operationId: "getFile",
          tags: ["files"],
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "A file" } },
        },
      },
      "/echo": {
        get: {
          operationId: "echo",
          tags: ["internal"],
          parameters: [
            { name: "X-Trace", in: "header", schema: { type: "string" } },
            { name: "Authorization", in: "header", schema: { type: "string" } },
            { name: "session", in: "cookie", schema: { type: "string" } },
            {
              name: "ids",
              in: "query",
              explode: false,
              schema: { type: "array", items: { type: "integer" } },
            },
            { name: "q", in: "query", schema: { type: "string" } },
          ],
          responses: { "200": { description: "What arrived" } },
        },
      },
      "/form": {
        post: {
          operationId: "submitForm",
          requestBody: {
            content: {
              "application/x-www-form-urlencoded": {
                schema: { type: "object", properties: { a: { type: "string" }, n: { type: "integer" } } },
              },
            },
          },
          responses: { "200": { description: "What arrived" } },
        },
      },
      "/upload": {
        post: {
          operationId: "upload",
          requestBody: {
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  properties: {
                    title: { type: "string" },
                    tags: { type: "array", items: { type: "string" } },
                  },
                },
              },
            },
          },
          responses: { "200": { description: "What arrived" } },
        },
      },
      "/tree": {
        post: {
          operationId: "plantTree",
          requestBody: { required: true, content: jsonOf(ref("Node")) },
          responses: { "200": { description: "Planted" } },
        },
      },
      "/redirect": { get: { operationId: "redirect", responses: { "302": { description: "Elsewhere" } } } },
    },
    components: {
      parameters: {
        Limit: {
          name: "limit",
          in: "query",
          description: "How many at most",
          schema: { type: "integer", minimum: 0, exclusiveMinimum: true, maximum: 100 },
        },
      },
      requestBodies: { PetBody: { required: true, content: jsonOf(ref("Pet")) } },
      responses: { Error: { description: "An error", content: jsonOf(ref("Error")) } },
      schemas: {
        NewPet: {
          type: "object",
          required: ["name"],
          properties: {
            name: { type: "string", description: "The pet's name" },
            tag: { type: "string" },
            nickname: { type: "string", nullable: true },
          },
        },
        Pet: {
          allOf: [
            ref("NewPet"),
            { type: "object", required: ["id"], properties: { id: { type: "integer", readOnly: true } } },
          ],
        },
        Error: { type: "object", properties: { error: { type: "string" } } },
        Node: {
          type: "object",
          properties: { label: { type: "string" }, children: { type: "array", items: ref("Node") } },
        },
      },
    },
  };
}

/** The same API in OpenAPI 3.1, as YAML (fewer routes: the shared behaviour is tested on 3.0). */
export const PETSTORE_31_YAML = `
openapi: 3.1.0
info:
  title: Petstore 3.1
  version: "2.0.0"
paths:
  /pets:
    get:
      operationId: listPets
      tags: [pets]
      summary: List pets
      parameters:
        - $ref: "#/components/parameters/Limit"
        - name: tag
          in: query
          description: Only pets with one of these tags
          schema: { type: array, items: { type: string } }
      responses:
        "200":
          description: The pets
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/Pet" } }
    post:
      operationId: createPet
      tags: [pets]
      requestBody:
        $ref: "#/components/requestBodies/PetBody"
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getPet
      responses:
        "200":
          description: The pet
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
        "404":
          $ref: "#/components/responses/Error"
components:
  parameters:
    Limit:
      name: limit
      in: query
      description: How many at most
      schema: { type: integer, exclusiveMinimum: 0, maximum: 100 }
  requestBodies:
    PetBody:
      required: true
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Pet" }
  responses:
    Error:
      description: An error
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
  schemas:
    NewPet:
      type: object
      required: [name]
      properties:
        name: { type: string, description: "The pet's name" }
        tag: { type: string }
        nickname: { type: [string, "null"] }
    Pet:
      allOf:
        - $ref: "#/components/schemas/NewPet"
        - type: object
          required: [id]
          properties:
            id: { type: integer, readOnly: true }
    Error:
      type: object
      properties:
        error: { type: string }
`;
