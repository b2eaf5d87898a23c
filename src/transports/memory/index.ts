export { FastMCPTransport } from "./client.js";
