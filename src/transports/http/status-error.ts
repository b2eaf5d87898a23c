/** The error of an HTTP client transport when the server answers with a status, not a message. */
import { ConnectionError } from "../../errors.js";

/** An HTTP answer that is not a JSON-RPC message. */
export class HttpStatusError extends ConnectionError {
  override name = "HttpStatusError";
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
