// Prints the plain `N passed, N failed[, N skipped]` line CI reads, counted
// from Deno's JUnit report (test steps count as tests of their own).
const path = Deno.args[0];
if (!path) {
  console.error("usage: summarize.ts <junit.xml>");
  Deno.exit(2);
}
let xml = "";
try {
  xml = await Deno.readTextFile(path);
} catch (error) {
  console.error(`Cannot summarize as the JUnit report '${path}' is unreadable: ${error}`);
}
let passed = 0, failed = 0, skipped = 0;
for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
  const body = match[2] ?? "";
  if (/<failure\b|<error\b/.test(body)) failed++;
  else if (/<skipped\b/.test(body)) skipped++;
  else passed++;
}
const suiteErrors = [...xml.matchAll(/<testsuites\b[^>]*\berrors="(\d+)"/g)]
  .reduce((sum, m) => sum + Number(m[1]), 0);
failed += suiteErrors;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
