/** Where a long job is: handed to `onProgress` callbacks and drawn by {@link ProgressBar}. */
export interface ProgressEvent {
  readonly done: number;
  readonly total: number;
  /** Seconds since the job started. */
  readonly elapsed: number;
  /** Figures to show beside the bar, such as `{ loss: 0.31 }`. */
  readonly info?: Readonly<Record<string, number | string>>;
}

export type ProgressCallback = (event: ProgressEvent) => void;

/** The part of a Node stream a bar writes to. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBarOptions {
  total: number;
  label?: string;
  /** What is counted, for the rate: `'img'` shows `img/s`. */
  unit?: string;
  /** Default: `process.stderr` in Node; nothing in a browser. */
  stream?: ProgressStream;
}

const BLOCKS = ' ▏▎▍▌▋▊▉█';

/**
 * A progress bar for terminals: redrawn in place on a TTY (at most ten times a second), a line at each
 * quarter elsewhere (CI logs).
 *
 * @example
 * ```ts
 * const bar = new ProgressBar({ total: steps, label: 'train', unit: 'img' });
 * for (let i = 0; i < steps; i++) { step(); bar.update(i + 1, { loss }); }
 * bar.finish();
 * ```
 */
export class ProgressBar {
  readonly #options: ProgressBarOptions;
  readonly #stream: ProgressStream | undefined;
  readonly #start = performance.now();
  #lastDraw = 0;
  #lastQuarter = 0;
  #done = 0;
  #info: ProgressEvent['info'];
  #finished = false;

  constructor(options: ProgressBarOptions) {
    this.#options = options;
    this.#stream =
      options.stream ?? (globalThis as { process?: { stderr?: ProgressStream } }).process?.stderr;
  }

  /** Sets the count done (and figures to show); redraws when due. */
  update(done: number, info?: ProgressEvent['info']): void {
    this.#done = done;
    this.#info = info ?? this.#info;
    const now = performance.now();
    if (this.#stream?.isTTY) {
      if (now - this.#lastDraw > 100 || done >= this.#options.total) {
        this.#lastDraw = now;
        this.#stream.write(`\r${this.render()}\x1b[K`);
      }
    } else {
      const quarter = Math.floor((4 * done) / Math.max(1, this.#options.total));
      if (quarter > this.#lastQuarter) {
        this.#lastQuarter = quarter;
        this.#stream?.write(`${this.render()}\n`);
      }
    }
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#stream?.isTTY) this.#stream.write(`\r${this.render()}\x1b[K\n`);
    else if (this.#lastQuarter < 4) this.#stream?.write(`${this.render()}\n`);
  }

  /** The bar as one line of text. */
  render(): string {
    const { total, label, unit } = this.#options;
    const elapsed = (performance.now() - this.#start) / 1000;
    const fraction = total > 0 ? Math.min(1, this.#done / total) : 1;
    const width = Math.max(10, Math.min(30, (this.#stream?.columns ?? 80) - 60));
    const eighths = Math.round(fraction * width * 8);
    const bar = '█'.repeat(Math.floor(eighths / 8)) + (eighths % 8 ? BLOCKS[eighths % 8] : '');
    const rate = elapsed > 0 ? this.#done / elapsed : 0;
    const eta = rate > 0 && fraction < 1 ? `  eta ${formatSeconds((total - this.#done) / rate)}` : '';
    const figures = Object.entries(this.#info ?? {})
      .map(([k, v]) => `  ${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
      .join('');
    const head = label ? `${label} ` : '';
    return `${head}${bar.padEnd(width, '░')} ${this.#done}/${total}  ${formatNumber(rate)} ${unit ?? 'it'}/s${eta}${figures}`;
  }
}

const formatNumber = (v: number) =>
  Math.abs(v) >= 100 || Number.isInteger(v)
    ? v.toFixed(0)
    : Math.abs(v) >= 1
      ? v.toFixed(2)
      : v.toPrecision(3);

const formatSeconds = (s: number) =>
  s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${(s % 60).toFixed(0).padStart(2, '0')}s`;
