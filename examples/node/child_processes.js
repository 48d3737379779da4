// spawn, exec and execFileSync of other programs: each is a lane with its pid; a Node child is recorded.
const { spawn, exec, execFileSync } = require("node:child_process");

const out = execFileSync(process.execPath, ["-e", "console.log('sync child ran')"], { env: { PATH: process.env.PATH } });
process.stdout.write(out);

const ls = spawn("sh", ["-c", "echo shell child; exit 3"]);
ls.stdout.on("data", (d) => process.stdout.write(d));
ls.on("exit", (code) => {
  console.log(`shell child exited with ${code}`);
  exec(`"${process.execPath}" -e "console.log('exec child ran')"`, (err, stdout) => {
    process.stdout.write(stdout);
    console.log(`exec error: ${err ? err.code : "none"}`);
  });
});
