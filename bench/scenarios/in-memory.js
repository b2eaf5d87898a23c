// In-memory tool calls per second: client and server in this process, no subprocess or socket.
//   fastmcp-ts: Client over FastMCPTransport(server)
//   SDK v1:     Client and McpServer over InMemoryTransport.createLinkedPair()
//   SDK v2:     Client over v2's InMemoryTransport.createLinkedPair(), the server side served by v2's
//               era-aware serveStdio({ transport }) entry so that both eras are reachable
import { measureConnections } from "../harness.js";

export function runInMemory(stacks, config) {
  return measureConnections(stacks, (stack) => stack.inMemory(), config);
}
