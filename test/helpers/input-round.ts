/**
 * A 2026-07-28 input round with the scale-out fixture's `ask` tool (test/fixtures/scale-out-tools.ts),
 * over raw HTTP: started on one instance, finished on another with the elicitation's answer.
 */
import { modernBody, modernHeaders, post } from "./modern-http.js";
import { META } from "./protocol.js";

/** A client that can answer form elicitations (and declares the tasks extension). */
export const ELICITING_META = {
  ...META,
  "io.modelcontextprotocol/clientCapabilities": {
    elicitation: { form: {} },
    extensions: { "io.modelcontextprotocol/tasks": {} },
  },
};

export interface StartedRound {
  requestState: string;
  key: string;
}

/** Calls `ask` on `url`: the input_required result's requestState and input request key. */
export async function startAsk(url: string): Promise<StartedRound> {
  const first = await post(
    url,
    modernBody("tools/call", { name: "ask", arguments: {} }, ELICITING_META),
    modernHeaders("tools/call", "ask"),
  );
  const body = (await first.json()) as { result?: Record<string, any> };
  if (body.result?.resultType !== "input_required") throw new Error(`ask: ${JSON.stringify(body)}`);
  return { requestState: body.result.requestState, key: Object.keys(body.result.inputRequests)[0] as string };
}

/** Retries `ask` on `url` with the round's state and `city` as the answer: the tool's text, or the error message. */
export async function finishAsk(url: string, round: StartedRound, city: string): Promise<string> {
  const retry = await post(
    url,
    modernBody(
      "tools/call",
      {
        name: "ask",
        arguments: {},
        requestState: round.requestState,
        inputResponses: { [round.key]: { action: "accept", content: { city } } },
      },
      ELICITING_META,
    ),
    modernHeaders("tools/call", "ask"),
  );
  const body = (await retry.json()) as {
    result?: { content: { text: string }[] };
    error?: { message: string };
  };
  return body.result?.content[0]?.text ?? `error: ${body.error?.message}`;
}
