// docs/api.md's TypeScript example: a metering service reports one usage of an account over
// Connect, with the code protoc-gen-es made of billd's own .proto files (gen/), and prints the
// balance before and after. Its configuration is the guide's shell variables:
//
//   BILLD=http://127.0.0.1:7400 METER_ID=… METER_SECRET=… ORG=… ACC=… npx tsx report-usage.ts 25 gpu
//
// The usage id is the idempotency key: a retry with the same id never debits twice.
import { randomUUID } from "node:crypto";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { FrontierService } from "./gen/raystack/frontier/v1beta1/frontier_pb";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see docs/api.md)`);
  return value;
}

// Every request carries the metering client's credentials, HTTP Basic as on the REST paths.
const basic = Buffer.from(`${env("METER_ID")}:${env("METER_SECRET")}`).toString("base64");
const auth: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Basic ${basic}`);
  return next(req);
};

const transport = createConnectTransport({
  baseUrl: env("BILLD"),
  httpVersion: "1.1", // billd also speaks HTTP/2 (and gRPC) without TLS
  interceptors: [auth],
});
const frontier = createClient(FrontierService, transport);

const [amount = "1", source = "example"] = process.argv.slice(2);
const org = env("ORG");
const account = env("ACC");

const before = await frontier.getBillingBalance({ id: account });
const id = randomUUID();
await frontier.createBillingUsage({
  orgId: org,
  billingId: account,
  usages: [{ id, amount: BigInt(amount), source }],
});
const after = await frontier.getBillingBalance({ id: account });
console.log(`usage ${id}: balance ${before.balance?.amount ?? 0n} -> ${after.balance?.amount ?? 0n}`);
