/**
 * examples/deploy/ stays true: its server.ts runs as two real processes on one real redis-server
 * and acts as one server (a legacy session made on one instance is served by the other, state
 * included, and outlives the instance that made it), and its docker-compose.yml, nginx.conf and
 * k8s.yaml (which cannot run here: no Docker, no cluster) say what the server needs: the
 * variables it reads, /health on its port, replicas, a grace period above the drain, no stickiness.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { Client, StreamableHttpTransport } from "../src/client/index.js";
import { TRANSPORT_DEFAULTS } from "../src/transports/defaults.js";
import { type Bundle, bundleProgram } from "./helpers/bundle.js";
import { ROOT } from "./helpers/paths.js";
import { servingUrl } from "./helpers/processes.js";
import { LEGACY } from "./helpers/protocol.js";
import { type RedisServer, startRedisServer } from "./helpers/redis-server.js";
import { within } from "./helpers/wait.js";

const DEPLOY = join(ROOT, "examples/deploy");
const read = (file: string) => readFileSync(join(DEPLOY, file), "utf8");

/** The variables server.ts reads (HOSTNAME aside: Docker and Kubernetes set it), and the one run() reads. */
const NEEDED_ENV = [
  ...new Set([...read("server.ts").matchAll(/process\.env\.([A-Z_]+)/g)].map((match) => match[1] as string)),
]
  .filter((name) => name !== "HOSTNAME")
  .concat("FASTMCP_SHUTDOWN_TIMEOUT_MS");

describe("examples/deploy/server.ts: two instances on one Redis", () => {
  interface Instance {
    name: string;
    url: string;
    child: ChildProcess;
  }
  let redis: RedisServer;
  let bundle: Bundle;
  let a: Instance;
  let b: Instance;

  async function start(name: string): Promise<Instance> {
    const child = spawn(process.execPath, [bundle.file], {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        HOST: "127.0.0.1",
        PORT: "0",
        HOSTNAME: name,
        FASTMCP_SHUTDOWN_TIMEOUT_MS: "5000",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const { url } = servingUrl(child, `instance ${name}`);
    return { name, url: await within(url, 30_000, `instance ${name} to listen`), child };
  }

  beforeAll(async () => {
    [redis, bundle] = await Promise.all([startRedisServer(), bundleProgram(join(DEPLOY, "server.ts"))]);
    [a, b] = await Promise.all([start("A"), start("B")]);
  });

  afterAll(async () => {
    for (const instance of [a, b]) if (instance?.child.exitCode === null) instance.child.kill("SIGKILL");
    await redis?.close();
    await bundle?.remove();
  });

  /** A client whose requests all go to `route.to`, changed as the test goes (a load balancer's pick). */
  function routedClient(route: { to: Instance }, seen: string[]) {
    const routed: typeof fetch = (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      url.host = new URL(route.to.url).host;
      const method = typeof init?.body === "string" ? JSON.parse(init.body).method : init?.method;
      seen.push(`${route.to.name} ${method}`);
      return fetch(url, init);
    };
    return Client.connect(new StreamableHttpTransport({ url: route.to.url, fetch: routed }), {
      protocolVersion: LEGACY,
    });
  }

  it("a legacy session made on one instance is served by the other, its state included", async () => {
    const route = { to: a };
    const seen: string[] = [];
    await using client = await routedClient(route, seen);
    expect(seen[0]).toBe("A initialize");
    route.to = b;
    expect((await client.callTool("whoami", {})).text).toBe("B");
    expect((await client.callTool("remember", { key: "city", value: "Oslo" })).text).toBe("B stored city");
    route.to = a;
    expect((await client.callTool("recall", { key: "city" })).text).toBe("A: Oslo");
    // State belongs to its session: another client's is its own.
    await using other = await routedClient({ to: b }, []);
    expect((await other.callTool("recall", { key: "city" })).text).toBe("B: (nothing)");
  });

  it("answers /health; on SIGTERM drains and exits 0, and its sessions carry on on the other", async () => {
    for (const instance of [a, b]) {
      const health = await fetch(new URL("/health", instance.url));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
    }
    const route = { to: a };
    await using client = await routedClient(route, []);
    expect((await client.callTool("remember", { key: "step", value: "one" })).text).toBe("A stored step");
    const exited = once(a.child, "exit");
    a.child.kill("SIGTERM");
    expect(await within(exited, 15_000, "instance A to exit after SIGTERM")).toEqual([0, null]);
    route.to = b;
    expect((await client.callTool("recall", { key: "step" })).text).toBe("B: one");
  });
});

/** Seconds in a Compose duration ("25s", "1m30s"). */
function composeSeconds(value: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  expect(parts.map((part) => part[0]).join(""), `duration ${value}`).toBe(value);
  return parts.reduce((sum, part) => sum + Number(part[1]) * (units[part[2] as string] as number), 0);
}

/** Seconds in an nginx time ("4s", "1h", "60"). */
function nginxSeconds(value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value);
  expect(match, `nginx time ${value}`).not.toBeNull();
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return Number(match?.[1]) * (units[match?.[2] ?? "s"] as number);
}

describe("examples/deploy: the Compose file, nginx.conf and Kubernetes manifest", () => {
  const compose = parse(read("docker-compose.yml")) as { services: Record<string, any> };
  const services = Object.entries(compose.services);
  const [serverName, server] = services.find(([, service]) =>
    String(service.build?.dockerfile).endsWith("examples/deploy/Dockerfile"),
  ) ?? ["", undefined];
  const env = (server?.environment ?? {}) as Record<string, string>;
  const port = Number(env.PORT);
  const shutdownSeconds = Number(env.FASTMCP_SHUTDOWN_TIMEOUT_MS) / 1000;

  it("Compose: replicas of the server, with what it reads, a health check and a grace period above the drain", () => {
    expect(server, "a service built from examples/deploy/Dockerfile").toBeDefined();
    expect(server.deploy.replicas).toBeGreaterThanOrEqual(2);
    for (const name of NEEDED_ENV) expect(env, `environment of ${serverName}`).toHaveProperty(name);
    expect(port).toBeGreaterThan(0);
    expect(shutdownSeconds).toBeGreaterThan(0);
    expect([server.healthcheck.test].flat().join(" ")).toContain(`:${port}/health`);
    expect(composeSeconds(server.stop_grace_period)).toBeGreaterThan(shutdownSeconds);
    // REDIS_URL names the Redis service, which the server waits for.
    const redisHost = new URL(env.REDIS_URL as string).hostname;
    expect(String(compose.services[redisHost]?.image)).toMatch(/^redis:/);
    expect(server.depends_on[redisHost].condition).toBe("service_healthy");
  });

  it("Compose: the Dockerfile copies what exists and runs server.ts with node as PID 1", () => {
    const context = join(DEPLOY, server.build.context);
    const dockerfile = readFileSync(join(context, server.build.dockerfile), "utf8");
    expect(Number(/^FROM node:(\d+)/m.exec(dockerfile)?.[1])).toBeGreaterThanOrEqual(20);
    const copies = [...dockerfile.matchAll(/^COPY (.+) \S+$/gm)].flatMap(
      (match) => match[1]?.split(" ") ?? [],
    );
    expect(copies).toContain("examples/deploy/server.ts");
    for (const source of copies) expect(existsSync(join(context, source)), source).toBe(true);
    expect(/^CMD (.*)$/m.exec(dockerfile)?.[1]).toBe(
      '["node", "--import", "tsx", "examples/deploy/server.ts"]',
    );
  });

  it("nginx: round robin over the server's replicas on its port, no stickiness, SSE unbuffered", () => {
    const lb = services.find(([, service]) => String(service.image).startsWith("nginx"))?.[1];
    expect(lb, "an nginx service").toBeDefined();
    expect(lb.depends_on[serverName].condition).toBe("service_healthy");
    // The file mounted as nginx's configuration is the one read here.
    const mount = (lb.volumes as string[]).find((volume) =>
      volume.endsWith(":/etc/nginx/conf.d/default.conf:ro"),
    );
    expect(mount).toBe("./nginx.conf:/etc/nginx/conf.d/default.conf:ro");
    const conf = read("nginx.conf")
      .split("\n")
      .map((line) => line.replace(/#.*/, "").trim())
      .filter(Boolean)
      .join("\n");
    expect(conf).not.toMatch(/\b(ip_hash|hash|sticky)\b/);
    expect(conf).toContain(`server ${serverName}:${port};`);
    expect(conf).toContain("proxy_buffering off;");
    // Idle streams get a keep-alive comment well within the read timeout...
    const readTimeout = nginxSeconds(/proxy_read_timeout (\S+);/.exec(conf)?.[1] ?? "");
    expect(readTimeout).toBeGreaterThan((2 * TRANSPORT_DEFAULTS.keepAliveMs) / 1000);
    // ...and nginx drops an idle upstream connection before the server does.
    const idle = nginxSeconds(/keepalive_timeout (\S+);/.exec(conf)?.[1] ?? "");
    expect(idle).toBeLessThan(TRANSPORT_DEFAULTS.keepAliveTimeoutMs / 1000);
  });

  it("Kubernetes: replicas, probes on /health at the server's port, grace above the drain, no affinity", () => {
    const docs = parseAllDocuments(read("k8s.yaml")).map((doc) => doc.toJS() as any);
    const deployments = docs.filter((doc) => doc.kind === "Deployment");
    const k8sServices = docs.filter((doc) => doc.kind === "Service");
    const deployment = deployments.find((doc) =>
      doc.spec.template.spec.containers.some((c: any) => c.image.startsWith(`${server.image}:`)),
    );
    expect(deployment, `a Deployment of the image ${server.image}`).toBeDefined();
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    const k8sEnv = Object.fromEntries(container.env.map((entry: any) => [entry.name, entry.value]));
    for (const name of NEEDED_ENV) expect(k8sEnv, "the container's env").toHaveProperty(name);
    const k8sPort = Number(k8sEnv.PORT);
    /** A port given by number or by the name of one of the container's ports. */
    const portOf = (value: number | string) =>
      typeof value === "number"
        ? value
        : container.ports.find((entry: any) => entry.name === value)?.containerPort;
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe("/health");
      expect(portOf(probe.httpGet.port)).toBe(k8sPort);
    }
    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    const pause = preStop[0] === "sleep" ? Number(preStop[1]) : 0;
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      pause + Number(k8sEnv.FASTMCP_SHUTDOWN_TIMEOUT_MS) / 1000,
    );
    // The Service in front selects these pods, reaches the server's port, and is not sticky.
    const selects = (service: any, labels: Record<string, string>) =>
      Object.entries(service.spec.selector).every(([key, value]) => labels[key] === value);
    const front = k8sServices.find((service) => selects(service, pod.metadata.labels));
    expect(front, "a Service selecting the server's pods").toBeDefined();
    expect(portOf(front.spec.ports[0].targetPort)).toBe(k8sPort);
    expect(front.spec.sessionAffinity ?? "None").toBe("None");
    // REDIS_URL names a Service in front of a Redis Deployment, on its port.
    const redisUrl = new URL(k8sEnv.REDIS_URL);
    const redisService = k8sServices.find((service) => service.metadata.name === redisUrl.hostname);
    expect(redisService, `a Service named ${redisUrl.hostname}`).toBeDefined();
    expect(redisService.spec.ports[0].port).toBe(Number(redisUrl.port || 6379));
    const redis = deployments.find((doc) => selects(redisService, doc.spec.template.metadata.labels));
    expect(redis?.spec.template.spec.containers[0].image).toMatch(/^redis:/);
  });
});
