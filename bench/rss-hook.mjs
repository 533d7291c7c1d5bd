// Loaded with --import: on exit, writes the process's peak RSS (bytes) to $RSS_FILE.
import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  if (process.env.RSS_FILE) writeFileSync(process.env.RSS_FILE, String(process.resourceUsage().maxRSS * 1024));
});
