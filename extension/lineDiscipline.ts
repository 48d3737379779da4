/**
 * A small line discipline for the program's pseudoterminal: a pseudoterminal gets raw keys, so
 * echo, backspace, Enter (send the line to stdin), Ctrl-C (interrupt) and Ctrl-D (end of input)
 * are done here. Output from the program needs "\n" turned into "\r\n". Pure.
 */

/** What one chunk of typed input means. */
export interface InputResult {
  /** Text to write back to the terminal (the echo). */
  echo: string;
  /** Complete lines (with "\n") to write to the program's stdin. */
  send: string[];
  /** Ctrl-C was typed. */
  interrupt: boolean;
  /** Ctrl-D was typed on an empty line: close stdin. */
  eof: boolean;
}

/** See the file comment. */
export class LineDiscipline {
  private line = "";

  /** The line typed so far (not yet sent). */
  get pendingLine(): string {
    return this.line;
  }

  /** Interpret a chunk of typed input. */
  input(data: string): InputResult {
    const r: InputResult = { echo: "", send: [], interrupt: false, eof: false };
    // Pasted text with "\r\n" or "\n": treat either as Enter.
    const chars = Array.from(data.replace(/\r\n/g, "\r"));
    for (const ch of chars) {
      if (ch === "\r" || ch === "\n") {
        r.send.push(this.line + "\n");
        r.echo += "\r\n";
        this.line = "";
      } else if (ch === "\x7f" || ch === "\b") {
        if (this.line.length) {
          const cps = Array.from(this.line);
          cps.pop();
          this.line = cps.join("");
          r.echo += "\b \b";
        }
      } else if (ch === "\x03") {
        r.interrupt = true;
        r.echo += "^C\r\n";
        this.line = "";
      } else if (ch === "\x04") {
        if (this.line.length) {
          r.send.push(this.line);
          this.line = "";
        } else r.eof = true;
      } else if (ch === "\x1b") {
        // Escape sequences (arrows…) are not supported: drop the escape itself.
      } else if (ch >= " " || ch === "\t") {
        this.line += ch;
        r.echo += ch;
      }
    }
    return r;
  }
}

/** Program output for a terminal: bare "\n" becomes "\r\n". */
export function toTerminalText(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}
