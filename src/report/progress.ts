/**
 * Progress on long work: a bar redrawn in place when stderr is a terminal, plain log lines otherwise
 * (cron mail and journald read those; a bar's carriage returns would be noise there).
 */
export interface Progress {
  /** `done` of `total` items; `label` says what is being worked on. */
  update(done: number, total: number, label?: string): void;
  log(line: string): void;
  end(summary?: string): void;
}

export function progress(task: string, stream: NodeJS.WriteStream = process.stderr, tty = !!stream.isTTY && !process.env.CI): Progress {
  let lastLogged = -1;
  let drawn = false;
  const clear = () => { if (drawn) { stream.write('\r\x1b[2K'); drawn = false; } };
  return {
    update(done, total, label = '') {
      if (tty) {
        const width = 30;
        const filled = total ? Math.round((done / total) * width) : 0;
        const cols = stream.columns ?? 100;
        const line = `${task} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`;
        stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
        drawn = true;
        return;
      }
      // Plain: a line at the start, every tenth and at the end.
      const decile = total ? Math.floor((done / total) * 10) : 10;
      if (decile <= lastLogged) return;
      lastLogged = decile;
      stream.write(`${new Date().toISOString()} ${task}: ${done}/${total}${label ? ` ${label}` : ''}\n`);
    },
    log(line) {
      clear();
      stream.write(`${tty ? '' : new Date().toISOString() + ' '}${task}: ${line}\n`);
    },
    end(summary) {
      clear();
      if (summary) stream.write(`${tty ? '' : new Date().toISOString() + ' '}${task}: ${summary}\n`);
    },
  };
}
