// Validate glb / b3dm files with the Khronos glTF validator (npm gltf-validator).
// b3dm: the glb is unwrapped from the b3dm (28-byte header, feature and batch tables) first.
// Prints one JSON object per line: {"file", "errors", "warnings", "infos", "messages"}.
import { readFileSync } from "node:fs";
import validator from "gltf-validator";

function glbOf(bytes) {
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== "b3dm") return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const skip = 28 + view.getUint32(12, true) + view.getUint32(16, true)
    + view.getUint32(20, true) + view.getUint32(24, true);
  return bytes.subarray(skip);
}

let failed = false;
for (const file of process.argv.slice(2)) {
  const data = glbOf(new Uint8Array(readFileSync(file)));
  const report = await validator.validateBytes(data, { maxIssues: 50 });
  const issues = report.issues;
  if (issues.numErrors > 0) failed = true;
  console.log(JSON.stringify({
    file,
    errors: issues.numErrors,
    warnings: issues.numWarnings,
    infos: issues.numInfos,
    messages: issues.messages.filter((m) => m.severity <= 1),
  }));
}
process.exit(failed ? 1 : 0);
