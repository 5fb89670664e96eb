// Validates Strimzi resources (JSON lines on stdin) against the Strimzi CRD schemas; one JSON line out each.
import { createInterface } from "node:readline";

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const resource = JSON.parse(line);
  let errors = [];
  try {
    const module = await import(`@kubernetes-models/strimzi-kafka-operator/${resource.apiVersion}/${resource.kind}`);
    new module[resource.kind](resource).validate();
  } catch (error) {
    errors = [error.message];
  }
  console.log(JSON.stringify({ kind: resource.kind, name: resource.metadata?.name, errors }));
}
